import { bodyDigest, headerValue, withoutHeaders } from './release';

const stored = Buffer.from(
  [
    'X-Spam-Reference: 01JD8ZQ5X4ABCDEFGHJKMNPQRS',
    'X-Spam-Status: Yes, score=16.00',
    'From: a@sender.example',
    'Subject: long',
    '  folded subject',
    '',
    'line 1',
    '.dot line',
    '',
    '',
  ].join('\r\n'),
);

describe('release helpers', () => {
  it('digests the body alike whatever Haraka did to the header block, the line ends or the final line break', () => {
    const reinjected = Buffer.from(
      [
        'Received: from api by mx',
        'X-Spamfilter-Release: abc',
        'From: a@sender.example',
        'Subject: long folded subject',
        '',
        'line 1',
        '.dot line',
        '',
      ].join('\r\n'),
    );
    const lf = Buffer.from(stored.toString('latin1').replace(/\r\n/g, '\n'));
    expect(bodyDigest(reinjected)).toBe(bodyDigest(stored));
    expect(bodyDigest(lf)).toBe(bodyDigest(stored));
    expect(bodyDigest(Buffer.from(stored.toString('latin1').replace('line 1', 'line 2')))).not.toBe(
      bodyDigest(stored),
    );
  });

  it('reads one header field from the header block only, unfolded', () => {
    expect(headerValue(stored, 'subject')).toBe('long folded subject');
    expect(headerValue(stored, 'X-SPAM-REFERENCE')).toBe('01JD8ZQ5X4ABCDEFGHJKMNPQRS');
    expect(
      headerValue(
        Buffer.from('From: a\r\n\r\nX-Spamfilter-Release: in the body\r\n'),
        'x-spamfilter-release',
      ),
    ).toBeNull();
  });

  it('drops header fields by name with their continuation lines, body untouched', () => {
    const out = withoutHeaders(stored, (n) => n.startsWith('x-spam-') || n === 'subject');
    expect(out.toString('latin1')).toBe(
      ['From: a@sender.example', '', 'line 1', '.dot line', '', ''].join('\r\n'),
    );
  });
});
