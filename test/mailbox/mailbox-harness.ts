/**
 * The mailbox loop's test pieces: the Junk hook program shipped in dovecot/, and waiting on conditions.
 */
import * as net from 'node:net';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const DOVECOT_DIR = path.join(ROOT, 'dovecot');
export const MARK_PROGRAM = path.join(DOVECOT_DIR, 'bin', 'spamfilter-mark');

/**
 * Polls `cond` until it holds; returns the milliseconds it took, throws naming `what` after `timeoutMs` — at least 30 s
 * whatever the caller asks: a ceiling only matters when the code is broken, and a loaded machine is slow.
 */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  stepMs = 10,
): Promise<number> {
  timeoutMs = Math.max(timeoutMs, 30_000);
  const start = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** `n` distinct free loopback ports (all held open until each is known, so two calls cannot get the same one). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}
