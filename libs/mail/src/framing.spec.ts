import { framingProblem } from './framing';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('framingProblem', () => {
  it('passes CRLF and LF-only messages', () => {
    expect(framingProblem(b('Subject: a\r\n\r\nbody\r\n.leading\r\n'))).toBeNull();
    expect(framingProblem(b('Subject: a\n\nbody\n'))).toBeNull();
    expect(framingProblem(b(''))).toBeNull();
  });

  it.each([
    ['\\r.\\r smuggling', 'Subject: a\r\n\r\nbody\r.\rMAIL FROM:<x@y>\r\n', 18],
    ['\\r\\n.\\r', 'Subject: a\r\n\r\nbody\r\n.\rRCPT\r\n', 21],
    ['a CR at the very end', 'Subject: a\r\n\r\nbody\r', 18],
  ])('refuses a bare CR (%s) and says where', (_name, text, at) => {
    expect(framingProblem(b(text))).toBe(`message contains a bare CR at byte ${at} (RFC 5321 §2.3.8)`);
  });

  it('refuses NUL', () => {
    expect(framingProblem(b('Subject: a\r\n\r\nbo\x00dy\r\n'))).toBe(
      'message contains a NUL byte at byte 16 (RFC 5321 §2.3.8)',
    );
  });
});
