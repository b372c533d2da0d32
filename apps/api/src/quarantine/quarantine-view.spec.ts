import { DEFAULT_PARSE_LIMITS } from '@spamfilter/mail';
import { quarantineView } from './quarantine-view';

const raw = Buffer.from(
  [
    'X-Spam-Reference: 01JD8ZQ5X4ABCDEFGHJKMNPQRS',
    'From: =?utf-8?q?Gr=C3=BC=C3=9Fe?= <deals@promo.example>',
    'Subject: you won',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<html><body><script>alert(1)</script><p>Click <a href="http://evil.example/x">here</a>\u001b[31m now</p><img src="http://track.example/p.gif"></body></html>',
    '--b',
    'Content-Type: application/octet-stream; name="invoice.pdf.exe"',
    'Content-Disposition: attachment; filename="invoice.pdf.exe"',
    'Content-Transfer-Encoding: base64',
    '',
    'TVqQAAMAAAAEAAAA',
    '--b--',
    '',
  ].join('\r\n'),
);

describe('quarantineView', () => {
  const v = quarantineView(raw, DEFAULT_PARSE_LIMITS);

  it('shows decoded header fields', () => {
    expect(v.headers).toContainEqual(['subject', 'you won']);
    expect(v.headers).toContainEqual(['x-spam-reference', '01JD8ZQ5X4ABCDEFGHJKMNPQRS']);
    expect(v.headers.find(([n]) => n === 'from')?.[1]).toContain('Grüße');
  });

  it('gives the HTML as text only: no markup, no script, no control characters', () => {
    expect(v.hasHtml).toBe(true);
    expect(v.text).toContain('Click');
    expect(v.text).not.toMatch(/<script|<img|<p>|alert\(1\)/);
    expect(v.text).not.toContain('\u001b');
  });

  it('lists attachments by name and size, never their contents', () => {
    expect(v.attachments).toEqual([
      { filename: 'invoice.pdf.exe', contentType: 'application/octet-stream', size: expect.any(Number) },
    ]);
    expect(JSON.stringify(v)).not.toContain('TVqQ');
  });
});
