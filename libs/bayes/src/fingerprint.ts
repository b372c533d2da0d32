import { createHash } from 'node:crypto';

/** Identity of a message for the trained-message record: SHA-256 of its raw bytes (hex). */
export function messageFingerprint(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}
