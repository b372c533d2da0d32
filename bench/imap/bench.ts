/**
 * `npm run -s bench -- imap [--moves 7] [--json]`: the IMAP move → changed verdict time, through the whole mailbox
 * loop (test/mailbox/mailbox-loop.ts): the embedded product in this process, a real Haraka delivering over LMTP into
 * a real Dovecot of its own, IMAPSieve + dovecot/bin/spamfilter-mark, and a real IMAP client (imapflow).
 *
 * For each of --moves fresh users (each starts untrained, so every move is a user's first): a newsletter issue is
 * delivered over SMTP and lands in INBOX (accepted); the user MOVEs it into Junk; the filter is asked every 5 ms
 * for the user's verdict on the next issue until it is `tag` (the changed verdict). Then the user MOVEs it back out of
 * Junk and the same is timed until the verdict is `accept` again. Times are from sending the MOVE command. As a
 * baseline, each user also MOVEs a second message from INBOX to Trash (no hook runs): the hook's cost on the MOVE.
 * Needs Dovecot (scripts/services.sh up dovecot) and the sa-dev corpus in .cache/corpus. Prints medians, p90, max.
 */
import { loadavg } from 'node:os';
import { spawnSync } from 'node:child_process';
import type { ImapFlow } from 'imapflow';
import { eachArg } from '../lib/args';
import { corpus, corpusAvailable } from '../../test/feedback/feedback-harness';
import { waitUntil } from '../../test/mailbox/mailbox-harness';
import {
  findDelivered,
  issue,
  messageIdOf,
  startMailboxLoop,
  type Delivered,
  type MailboxLoop,
} from '../../test/mailbox/mailbox-loop';

interface Args {
  moves: number;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { moves: 7, json: false };
  eachArg(argv, (flag, value) => {
    if (flag === '--moves') a.moves = Number(value());
    else if (flag === '--json') a.json = true;
    else throw new Error(`unknown argument ${flag} (--moves N, --json)`);
  });
  if (!Number.isInteger(a.moves) || a.moves < 1 || a.moves > 50) throw new Error('--moves 1–50');
  return a;
}

const t0 = performance.now();
const progress = (m: string): void =>
  void process.stderr.write(`[imap ${((performance.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);

function stats(values: readonly number[]): { p50: number; p90: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
  return { p50: Math.round(at(50)), p90: Math.round(at(90)), max: Math.round(s[s.length - 1] ?? NaN) };
}

/** Waits until the message is in the user's INBOX or Junk. */
async function delivered(client: ImapFlow, raw: Buffer): Promise<Delivered> {
  const id = messageIdOf(raw);
  let found: Delivered[] = [];
  await waitUntil(
    async () =>
      (found = [...(await findDelivered(client, 'INBOX', id)), ...(await findDelivered(client, 'Junk', id))])
        .length > 0,
    15_000,
    `${id} delivered`,
    10,
  );
  return found[0]!;
}

/** Sends the MOVE; resolves to when it was sent and how long the server took to answer. */
async function move(client: ImapFlow, m: Delivered, to: string): Promise<{ sentAt: number; ms: number }> {
  const lock = await client.getMailboxLock(m.mailbox);
  try {
    const sentAt = performance.now();
    const ok = await client.messageMove(String(m.uid), to, { uid: true });
    if (!ok) throw new Error(`MOVE to ${to} failed`);
    return { sentAt, ms: performance.now() - sentAt };
  } finally {
    lock.release();
  }
}

/** Milliseconds from `since` until the user's verdict on `probe` is `action` (asked every 5 ms). */
async function untilAction(
  loop: MailboxLoop,
  probe: Buffer,
  rcpt: string,
  action: string,
  since: number,
): Promise<number> {
  await waitUntil(
    async () => (await loop.scan(probe, [rcpt])).recipients[0]?.action === action,
    15_000,
    `${rcpt}: ${action}`,
    5,
  );
  return performance.now() - since;
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (!corpusAvailable())
    throw new Error('the sa-dev corpus is not unpacked in .cache/corpus (see /work/shared/corpus/README.md)');
  const locals = Array.from({ length: args.moves }, (_, i) => `user${i + 1}`);
  const loop = await startMailboxLoop({
    users: locals,
    seed: { spam: corpus('spam', 40), ham: corpus('ham', 40) },
  });
  progress(`loop started: ${args.moves} users`);
  const intoJunk: number[] = [];
  const toTag: number[] = [];
  const outOfJunk: number[] = [];
  const toAccept: number[] = [];
  const noHook: number[] = [];
  try {
    const newsletter = corpus('hard_ham', 1, 3)[0]!;
    for (const [i, local] of locals.entries()) {
      const address = `${local}@example.net`;
      const client = await loop.imap(address);
      try {
        const first = issue(newsletter, 1);
        const spare = issue(newsletter, 2);
        if ((await loop.send([address], first)) !== 250 || (await loop.send([address], spare)) !== 250)
          throw new Error('SMTP refused the newsletter');
        const m = await delivered(client, first);
        const s = await delivered(client, spare);
        if (m.mailbox !== 'INBOX')
          throw new Error(`the first issue went to ${m.mailbox}: a fresh user accepts it`);
        // The message log is write-behind: a user moves mail long after it is written.
        const ref = m.header('x-spam-reference')!;
        await waitUntil(
          async () =>
            (await loop.db.query('SELECT 1 FROM scan_record WHERE reference = ?', [ref])).length > 0,
          10_000,
          `scan record ${ref}`,
        );
        const probe = issue(newsletter, 100 + i);
        // Baseline: INBOX → Trash runs no hook.
        noHook.push((await move(client, s, 'Trash')).ms);
        const into = await move(client, m, 'Junk');
        intoJunk.push(into.ms);
        toTag.push(await untilAction(loop, probe, address, 'tag', into.sentAt));
        const [inJunk] = await findDelivered(client, 'Junk', messageIdOf(first));
        const out = await move(client, inJunk!, 'INBOX');
        outOfJunk.push(out.ms);
        toAccept.push(await untilAction(loop, probe, address, 'accept', out.sentAt));
        progress(
          `${address}: MOVE ${Math.round(into.ms)} ms, tag after ${Math.round(toTag.at(-1)!)} ms; back ${Math.round(out.ms)} ms, accept after ${Math.round(toAccept.at(-1)!)} ms`,
        );
      } finally {
        await client.logout().catch(() => undefined);
      }
    }
  } finally {
    await loop.close();
  }
  const result = {
    moves: args.moves,
    moveIntoJunkMs: stats(intoJunk),
    moveIntoJunkToTagMs: stats(toTag),
    moveOutOfJunkMs: stats(outOfJunk),
    moveOutOfJunkToAcceptMs: stats(toAccept),
    moveWithoutHookMs: stats(noHook),
    loadavg1: Math.round(loadavg()[0]! * 10) / 10,
    dovecot: spawnSync('/usr/sbin/dovecot', ['--version'], { encoding: 'utf8' }).stdout.trim(),
    node: process.version,
    date: new Date().toISOString(),
  };
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else
    process.stdout.write(
      Object.entries(result)
        .map(([k, v]) => `${k.padEnd(24)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join('\n') + '\n',
    );
}
