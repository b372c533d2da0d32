/**
 * The mailbox loop's test pieces: the Junk hook program shipped in dovecot/, and waiting on conditions.
 */
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const DOVECOT_DIR = path.join(ROOT, 'dovecot');
export const MARK_PROGRAM = path.join(DOVECOT_DIR, 'bin', 'spamfilter-mark');

/** Polls `cond` until it holds; returns the milliseconds it took, throws naming `what` after `timeoutMs`. */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  stepMs = 10,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
