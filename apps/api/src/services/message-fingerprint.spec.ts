import { parseMessageSync } from '@spamfilter/mail';
import { messageFingerprint } from './message-fingerprint';

const msg = (extra: string, id = '<abc@example.org>') =>
  parseMessageSync(
    Buffer.from(
      `${extra}From: a@example.org\r\nTo: b@example.org\r\nMessage-ID: ${id}\r\nSubject: hi\r\n\r\nhello there\r\n`,
    ),
  );

describe('messageFingerprint', () => {
  it('ignores headers added in transit', () => {
    expect(messageFingerprint(msg('Received: from x\r\nX-Spam-Score: 9\r\n'))).toBe(
      messageFingerprint(msg('')),
    );
  });

  it('tells different messages apart, with or without Message-ID', () => {
    expect(messageFingerprint(msg('', '<abc@example.org>'))).not.toBe(
      messageFingerprint(msg('', '<abd@example.org>')),
    );
    const a = parseMessageSync(Buffer.from('From: a@example.org\r\nSubject: one\r\n\r\nbody one\r\n'));
    const b = parseMessageSync(Buffer.from('From: a@example.org\r\nSubject: one\r\n\r\nbody two\r\n'));
    expect(messageFingerprint(a)).not.toBe(messageFingerprint(b));
    expect(messageFingerprint(a)).toMatch(/^[0-9a-f]{64}$/);
  });
});
