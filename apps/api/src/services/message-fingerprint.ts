import type { ParsedMessage } from '@spamfilter/mail';
import { createHash } from 'node:crypto';

/**
 * A stable fingerprint of a message, so a raw mark (the client posts the message again, now with X-Spam-* and more
 * Received lines added in transit) finds the same training as a mark by reference. The Message-ID (RFC 5322 §3.6.4)
 * when there is one; otherwise the fields delivery does not change: From, Date, Subject and the start of the text.
 * The filter must compute scan_record.message_fingerprint with this same function.
 */
export function messageFingerprint(
  message: Pick<ParsedMessage, 'messageId' | 'from' | 'date' | 'subject' | 'text'>,
): string {
  const h = createHash('sha256');
  const id = message.messageId?.trim().replace(/^<|>$/g, '').toLowerCase();
  if (id) {
    h.update(`mid:${id}`);
  } else {
    h.update(
      `from:${message.from?.address ?? ''}\ndate:${message.date ?? ''}\nsubject:${message.subject ?? ''}\n`,
    );
    h.update(message.text.slice(0, 4096).replace(/\s+/g, ' ').trim());
  }
  return h.digest('hex');
}
