import { messageFingerprint } from './fingerprint';

const raw = (head: string, body = 'hello there\r\nsecond line\r\n', id = '<abc@example.org>'): Buffer =>
  Buffer.from(
    `${head}From: a@example.org\r\nTo: b@example.org\r\nMessage-ID: ${id}\r\nSubject: hi\r\n\r\n${body}`,
  );
const fp = (b: Buffer): string => messageFingerprint(b);

describe('messageFingerprint', () => {
  it('is the same for the scanned message and the copy an IMAP client uploads again', () => {
    const scanned = raw('');
    // Delivery added headers and rewrote the Subject; the mailbox stored LF line ends; the client added a blank line.
    const uploaded = Buffer.from(
      raw('Received: from x\r\nX-Spam-Score: 9\r\nDelivered-To: b@example.org\r\n')
        .toString('latin1')
        .replace('Subject: hi', 'Subject: [SPAM] hi')
        .replace(/\r\n/g, '\n') + '\n',
      'latin1',
    );
    expect(fp(uploaded)).toBe(fp(scanned));
    expect(fp(scanned)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tells different messages apart: another Message-ID, another body, with or without a Message-ID', () => {
    expect(fp(raw('', undefined, '<abd@example.org>'))).not.toBe(fp(raw('')));
    expect(fp(raw('', 'hello there\r\nsecond lime\r\n'))).not.toBe(fp(raw('')));
    const noId = (body: string) =>
      Buffer.from(`From: a@example.org\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\n${body}`);
    expect(fp(noId('body one\r\n'))).not.toBe(fp(noId('body two\r\n')));
    expect(fp(noId('body one\r\n'))).toBe(
      fp(Buffer.from(noId('body one\r\n').toString().replace(/\r\n/g, '\n'))),
    );
    // a folded Message-ID is the same identity
    expect(fp(raw('', undefined, '\r\n <abc@example.org>'))).toBe(fp(raw('')));
  });
});
