import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Enron-Spam's per-user pairing (Metsis et al. 2006; /work/shared/corpus/README.md): each mailbox with its spam. */
export const ENRON_USERS: Readonly<Record<string, string>> = {
  'farmer-d': 'GP',
  'kaminski-v': 'SH',
  'kitchen-l': 'BG',
  'williams-w3': 'GP',
  'beck-s': 'SH',
  'lokay-m': 'BG',
};

/** A labelled message of a corpus `index` file (`ham|spam <path>` per line, arrival order). */
export interface CorpusEntry {
  readonly label: 'spam' | 'ham';
  /** Path relative to the corpus folder, as in the index. */
  readonly path: string;
  /** Position in the index (arrival order). */
  readonly order: number;
}

export interface CorpusMessage extends CorpusEntry {
  readonly raw: Buffer;
}

/** Reads `DIR/index`; lines that are not `ham|spam <path>` are skipped. `filter` keeps paths matching it. */
export function readIndex(dir: string, filter: RegExp | null = null): CorpusEntry[] {
  const out: CorpusEntry[] = [];
  const lines = readFileSync(join(dir, 'index'), 'utf8').split('\n');
  for (const line of lines) {
    const m = /^(ham|spam)\s+(\S.*)$/.exec(line.trim());
    if (!m) continue;
    const path = (m[2] as string).trim();
    if (filter && !filter.test(path)) continue;
    out.push({ label: m[1] as 'spam' | 'ham', path, order: out.length });
  }
  return out;
}

/** Loads the raw bytes of the entries (so that benchmarks time parsing, not disk reads). */
export function loadMessages(dir: string, entries: readonly CorpusEntry[]): CorpusMessage[] {
  return entries.map((e) => ({ ...e, raw: readFileSync(join(dir, e.path)) }));
}

/** Seeded PRNG (mulberry32): the same seed gives the same split on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The entries of one class in a seeded random order (Fisher–Yates with `rnd`). */
export function shuffledClass<T extends CorpusEntry>(
  entries: readonly T[],
  label: CorpusEntry['label'],
  rnd: () => number,
): T[] {
  const cls = entries.filter((e) => e.label === label);
  for (let i = cls.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [cls[i], cls[j]] = [cls[j] as T, cls[i] as T];
  }
  return cls;
}

/**
 * Splits entries into train and test. `random`: stratified by label, a seeded random fraction of each class trains.
 * `time`: the first fraction of the index (arrival order) trains, the rest tests — later mail judged by earlier mail.
 * `time` keeps arrival order on both sides; `random` shuffles the training side (seeded) and keeps the test side in order.
 */
export function splitEntries<T extends CorpusEntry>(
  entries: readonly T[],
  fraction: number,
  order: 'random' | 'time',
  seed = 1,
): { train: T[]; test: T[] } {
  if (order === 'time') {
    const cut = Math.round(entries.length * fraction);
    return { train: entries.slice(0, cut), test: entries.slice(cut) };
  }
  const rnd = seededRandom(seed);
  const trainSet = new Set<T>();
  for (const label of ['spam', 'ham'] as const) {
    const cls = shuffledClass(entries, label, rnd);
    for (const e of cls.slice(0, Math.round(cls.length * fraction))) trainSet.add(e);
  }
  // A random sample is learned in random (seeded) order: indexes grouped by folder (Enron's) would otherwise feed
  // all ham, then all spam, which no mailbox does. The test side keeps index order.
  const train = entries.filter((e) => trainSet.has(e));
  for (let i = train.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [train[i], train[j]] = [train[j] as T, train[i] as T];
  }
  return { train, test: entries.filter((e) => !trainSet.has(e)) };
}

/** At most `n` entries of each class, drawn with a seeded shuffle; the sample keeps index order. */
export function sampleEntries<T extends CorpusEntry>(entries: readonly T[], n: number, seed: number): T[] {
  const rnd = seededRandom(seed ^ 0x5eed);
  const keep = new Set<T>();
  for (const label of ['spam', 'ham'] as const)
    for (const e of shuffledClass(entries, label, rnd).slice(0, n)) keep.add(e);
  return entries.filter((e) => keep.has(e));
}

/** The entries in a seeded random order (Fisher–Yates), for a training stream whose index is grouped by folder. */
export function shuffledEntries<T>(entries: readonly T[], seed: number): T[] {
  const rnd = seededRandom(seed ^ 0x0de7);
  const out = [...entries];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
