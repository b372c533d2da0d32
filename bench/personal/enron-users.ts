import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readIndex, type CorpusEntry } from '../lib/corpus';

/**
 * Enron-Spam's six "users" (the paper's pairing: each ham mailbox with the spam collection it was paired with),
 * shaped for per-user learning runs. Honest-use rules from ../shared/corpus/README.md:
 * - two mailboxes share each spam collection (farmer-d and williams-w3 get GP, kaminski-v and beck-s SH, kitchen-l and
 *   lokay-m BG): the collection is split between them (alternate messages in index order), so no spam message is
 *   in two users' mail;
 * - ham (1999–2002) and spam (2004–2005) come from different years, so one time line over both would put all ham
 *   before all spam. Each class keeps its own order (Date header, index order on ties or without one) and the two
 *   are interleaved proportionally: "earlier mail" is the first part of each class, "later mail" the rest.
 */
export const ENRON_USERS = [
  { user: 'farmer-d', spam: 'GP' },
  { user: 'kaminski-v', spam: 'SH' },
  { user: 'kitchen-l', spam: 'BG' },
  { user: 'williams-w3', spam: 'GP' },
  { user: 'beck-s', spam: 'SH' },
  { user: 'lokay-m', spam: 'BG' },
] as const;

export type EnronUser = (typeof ENRON_USERS)[number]['user'];

export interface UserMessage extends CorpusEntry {
  readonly raw: Buffer;
  /** Position in the user's interleaved stream, 0 … 1 (earlier < later). */
  readonly at: number;
}

export interface UserMail {
  readonly user: EnronUser;
  readonly spamCollection: string;
  /** Earlier mail (the part a user marks from), in interleaved arrival order. */
  readonly earlier: UserMessage[];
  /** Later mail (judged), in interleaved arrival order. */
  readonly later: UserMessage[];
}

/** The Date header's time, or NaN; read from the first 8 kB (headers) without a MIME parse. */
function dateOf(raw: Buffer): number {
  const head = raw.toString('latin1', 0, Math.min(raw.length, 8192));
  const m = /^date:[ \t]*(.+)$/im.exec(head.split(/\r?\n\r?\n/)[0] ?? '');
  return m ? Date.parse((m[1] as string).replace(/\s*\(.*\)\s*$/, '')) : Number.NaN;
}

function byDate<T extends { raw: Buffer; order: number }>(list: T[]): T[] {
  const keyed = list.map((m) => ({ m, t: dateOf(m.raw) }));
  keyed.sort((a, b) => (Number.isNaN(a.t) || Number.isNaN(b.t) ? 0 : a.t - b.t) || a.m.order - b.m.order);
  return keyed.map((k) => k.m);
}

/**
 * The six users' mail, at most `perClass` messages of each class per user (the first by date after the split of the
 * shared collection), each class cut at `earlierFraction` into earlier and later mail.
 */
export function loadEnronUsers(dir: string, perClass: number, earlierFraction = 0.5): UserMail[] {
  const index = readIndex(dir);
  const out: UserMail[] = [];
  for (const { user, spam } of ENRON_USERS) {
    const pair = ENRON_USERS.filter((u) => u.spam === spam).map((u) => u.user);
    const half = pair.indexOf(user);
    const hamEntries = index.filter((e) => e.label === 'ham' && e.path.startsWith(`ham/${user}/`));
    const spamEntries = index
      .filter((e) => e.label === 'spam' && e.path.startsWith(`spam/${spam}/`))
      .filter((_, i) => i % 2 === half);
    const load = (entries: CorpusEntry[]) =>
      byDate(entries.map((e) => ({ ...e, raw: readFileSync(join(dir, e.path)) }))).slice(0, perClass);
    const classes = [load(hamEntries), load(spamEntries)];
    const earlier: UserMessage[] = [];
    const later: UserMessage[] = [];
    for (const cls of classes) {
      const cut = Math.round(cls.length * earlierFraction);
      cls.forEach((m, i) => (i < cut ? earlier : later).push({ ...m, at: (i + 0.5) / cls.length }));
    }
    earlier.sort((a, b) => a.at - b.at || a.order - b.order);
    later.sort((a, b) => a.at - b.at || a.order - b.order);
    out.push({ user, spamCollection: spam, earlier, later });
  }
  return out;
}
