import { encodeForData, pluginsWithoutSpamfilter } from './bench';

describe('encodeForData', () => {
  it('turns LF into CRLF, dot-stuffs lines that start with a dot and terminates DATA', () => {
    const out = Buffer.from(encodeForData(Buffer.from('Subject: x\n\n.hidden\nbody\n..two\n'))).toString(
      'latin1',
    );
    expect(out).toBe('Subject: x\r\n\r\n..hidden\r\nbody\r\n...two\r\n.\r\n');
  });

  it('keeps CRLF input and adds the missing final line end', () => {
    const out = Buffer.from(encodeForData(Buffer.from('A: 1\r\n\r\nno final newline'))).toString('latin1');
    expect(out).toBe('A: 1\r\n\r\nno final newline\r\n.\r\n');
  });

  it('keeps 8-bit bytes as they are', () => {
    const raw = Buffer.from([0x41, 0x3a, 0x20, 0xe9, 0x0a, 0x0a, 0xff, 0x0a]);
    const out = Buffer.from(encodeForData(raw));
    expect([...out]).toEqual([
      0x41, 0x3a, 0x20, 0xe9, 0x0d, 0x0a, 0x0d, 0x0a, 0xff, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a,
    ]);
  });
});

describe('pluginsWithoutSpamfilter (the --baseline Haraka)', () => {
  it('drops only the spamfilter plugin line and keeps the rest in order', () => {
    const plugins =
      '# comment\ntls\nqueue/quarantine\nspamfilter\nrcpt_to.in_host_list\nqueue/smtp_forward\n';
    expect(pluginsWithoutSpamfilter(plugins)).toBe(
      '# comment\ntls\nqueue/quarantine\nrcpt_to.in_host_list\nqueue/smtp_forward\n',
    );
  });
});
