/**
 * Evaluation harness (issue 3):
 *   npm run -s eval -- --train DIR [--test DIR [--test-filter REGEX] | --split F [--seed N] [--split-order random|time]]
 *                      [--sample N] [--online] [--headers neutral|all] [--filter REGEX] [--scorer NAME] [--no-baseline]
 *                      [--opt k=v…] [--json]
 * Each DIR holds an `index` (`ham|spam <path>` per line, arrival order). See bench/eval/README.md.
 */
import { loadavg } from 'node:os';
import { loadMessages, readIndex, sampleEntries, shuffledEntries, splitEntries, type CorpusEntry, type CorpusMessage } from '../lib/corpus';
import { auc, aucStdErr, ratesAt, recallAtFpr, type Scored } from './metrics';
import { parseMessageSafe } from '@spamfilter/mail';
import { NaturalScorer } from './natural.scorer';
import { looksLikePhishing } from './phishing';
import type { Scorer, ScorerOptions } from './scorer';
import { SCORERS } from './scorers';
import { eachArg, oneOf } from '../lib/args';

export interface EvalArgs {
  train: string;
  test: string | null;
  split: number | null;
  splitOrder: 'random' | 'time';
  seed: number;
  online: boolean;
  headers: 'neutral' | 'all';
  filter: RegExp | null;
  /** Paths of the test corpus kept (`--test` only; default: `filter`). Enron user → other users. */
  testFilter: RegExp | null;
  /** At most this many messages of each class on each side (seeded by `seed`, index order kept); null: all. */
  sample: number | null;
  scorer: string;
  baseline: boolean;
  json: boolean;
  /** Print the N lowest-scored spam and highest-scored ham to stderr (error analysis). */
  dump: number;
  opts: Map<string, string>;
}

export function parseArgs(argv: readonly string[]): EvalArgs {
  const a: EvalArgs = {
    train: '', test: null, split: null, splitOrder: 'random', seed: 1, online: false, headers: 'neutral', filter: null, testFilter: null, sample: null,
    scorer: 'bayes', baseline: true, json: false, dump: 0, opts: new Map(),
  };
  eachArg(argv, (k, v) => {
    switch (k) {
      case '--train': a.train = v(); break;
      case '--test': a.test = v(); break;
      case '--split': a.split = Number(v()); break;
      case '--train-fraction': a.split = Number(v()); a.splitOrder = 'time'; break;
      case '--split-order': a.splitOrder = oneOf(k, v(), ['random', 'time']); break;
      case '--seed': a.seed = Number(v()); break;
      case '--online': a.online = true; break;
      case '--headers': a.headers = oneOf(k, v(), ['neutral', 'all']); break;
      case '--filter': a.filter = new RegExp(v()); break;
      case '--test-filter': a.testFilter = new RegExp(v()); break;
      case '--sample': a.sample = Number(v()); break;
      case '--scorer': a.scorer = v(); break;
      case '--pipeline': a.scorer = 'pipeline'; break;
      case '--no-baseline': a.baseline = false; break;
      case '--json': a.json = true; break;
      case '--dump': a.dump = Number(v()); break;
      case '--opt': { const [key, ...rest] = v().split('='); a.opts.set(key as string, rest.join('=')); break; }
      default: throw new Error(`unknown argument ${k}`);
    }
  });
  if (!a.train) throw new Error('--train DIR is required');
  if (a.split !== null && !(a.split > 0 && a.split < 1)) throw new Error('--split F needs 0 < F < 1');
  if (a.split === null && a.test === null) throw new Error('give --test DIR or --split F');
  if (a.testFilter !== null && a.test === null) throw new Error('--test-filter needs --test DIR');
  if (a.sample !== null && !(Number.isInteger(a.sample) && a.sample > 0)) throw new Error('--sample N needs a positive integer');
  return a;
}

export interface RunResult {
  scored: (Scored & { path: string })[];
  learnPerSec: number;
  classifyPerSec: number;
  /** Rates per second of this process's CPU time: on a shared, loaded machine wall-clock rates understate one core. */
  learnPerCpuSec: number;
  classifyPerCpuSec: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export async function run(scorer: Scorer, train: readonly CorpusMessage[], test: readonly CorpusMessage[], online: boolean): Promise<RunResult> {
  let c0 = cpuSeconds();
  let t0 = process.hrtime.bigint();
  for (const m of train) await scorer.learn(m, m.label);
  await scorer.finishTraining?.();
  const learnNs = Number(process.hrtime.bigint() - t0);
  let learnCpu = cpuSeconds() - c0;
  let classifyCpu = 0;
  const scored: (Scored & { path: string })[] = [];
  let classifyNs = 0;
  let onlineLearnNs = 0;
  for (const m of test) {
    c0 = cpuSeconds();
    t0 = process.hrtime.bigint();
    const score = await scorer.score(m);
    const t1 = process.hrtime.bigint();
    const c1 = cpuSeconds();
    classifyNs += Number(t1 - t0);
    classifyCpu += c1 - c0;
    scored.push({ score, spam: m.label === 'spam', path: m.path });
    if (online) {
      await scorer.learn(m, m.label);
      onlineLearnNs += Number(process.hrtime.bigint() - t1);
      learnCpu += cpuSeconds() - c1;
    }
  }
  const learned = train.length + (online ? test.length : 0);
  return {
    scored,
    learnPerSec: learned > 0 ? learned / ((learnNs + onlineLearnNs) / 1e9) : NaN,
    classifyPerSec: test.length / (classifyNs / 1e9),
    learnPerCpuSec: learned > 0 ? learned / learnCpu : NaN,
    classifyPerCpuSec: test.length / classifyCpu,
  };
}

export const round = (x: number, d = 6): number => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

/** The accuracy fields of a result: ranking (AUC), rates at `threshold`, recall at FP budgets, hard_ham FPR, counts. */
export function metricsOf(scored: readonly (Scored & { path: string })[], threshold: number) {
  const rates = ratesAt(scored, threshold);
  const hard = scored.filter((s) => !s.spam && /(^|\/)hard_ham\//.test(s.path));
  const a = auc(scored);
  const nSpam = scored.filter((s) => s.spam).length;
  return {
    auc: round(a),
    oneMinusRocaPct: round((1 - a) * 100, 4),
    /** Hanley–McNeil standard error of 1-ROCA %, the noise of this test set's size. */
    oneMinusRocaSePct: round(aucStdErr(a, nSpam, scored.length - nSpam) * 100, 4),
    threshold: round(threshold, 4),
    fpr: round(rates.fpr),
    fnr: round(rates.fnr),
    recallAtFpr0_1: round(recallAtFpr(scored, 0.001)),
    recallAtFpr1: round(recallAtFpr(scored, 0.01)),
    hardHamFpr: hard.length > 0 ? round(ratesAt(hard, threshold).fpr) : null,
    hardHam: hard.length,
    ham: scored.filter((s) => !s.spam).length,
    spam: scored.filter((s) => s.spam).length,
  };
}

/**
 * The training and test entries of a run. `--split`: one corpus split (`splitEntries`), after `--sample`. `--test`:
 * two corpora (or one corpus with `--filter` / `--test-filter` picking disjoint parts) — the cross-source protocols;
 * each side is sampled on its own, and the training side is learned in a seeded random order, as a random split's is,
 * because a corpus's index may be grouped by folder (Enron's: all ham, then all spam), which no mailbox is.
 */
export function entriesOf(args: EvalArgs): { train: CorpusEntry[]; test: CorpusEntry[] } {
  const sample = (es: CorpusEntry[]): CorpusEntry[] => (args.sample === null ? es : sampleEntries(es, args.sample, args.seed));
  if (args.split !== null) return splitEntries(sample(readIndex(args.train, args.filter)), args.split, args.splitOrder, args.seed);
  const test = args.test as string;
  return {
    train: shuffledEntries(sample(readIndex(args.train, args.filter)), args.seed),
    test: sample(readIndex(test, args.testFilter ?? args.filter)),
  };
}

export async function evaluate(args: EvalArgs): Promise<Record<string, unknown>> {
  const { train, test } = entriesOf(args);
  const trainMsgs = loadMessages(args.train, train);
  const testMsgs = loadMessages(args.test ?? args.train, test);
  const factory = SCORERS[args.scorer];
  if (!factory) throw new Error(`unknown scorer ${args.scorer} (known: ${Object.keys(SCORERS).join(', ')})`);
  const scorerOpts: ScorerOptions = { headers: args.headers, seed: args.seed, opts: args.opts };
  const scorer = factory(scorerOpts);
  const res = await run(scorer, trainMsgs, testMsgs, args.online);
  if (args.dump > 0) {
    const spam = res.scored.filter((s) => s.spam).sort((x, y) => x.score - y.score).slice(0, args.dump);
    const ham = res.scored.filter((s) => !s.spam).sort((x, y) => y.score - x.score).slice(0, args.dump);
    for (const s of spam) process.stderr.write(`low spam  ${s.score.toFixed(3)} ${s.path}\n`);
    for (const s of ham) process.stderr.write(`high ham  ${s.score.toFixed(3)} ${s.path}\n`);
  }
  const out: Record<string, unknown> = {
    scorer: scorer.name,
    mode: args.online ? 'online' : 'batch',
    split: args.split === null ? null : { fraction: args.split, order: args.splitOrder, seed: args.seed },
    ...(args.test === null ? {} : { test: { dir: args.test, filter: (args.testFilter ?? args.filter)?.source ?? null } }),
    ...(args.sample === null ? {} : { sample: { perClass: args.sample, seed: args.seed } }),
    headers: args.headers,
    train: trainMsgs.length,
    ...metricsOf(res.scored, scorer.threshold),
    learnPerSec: Math.round(res.learnPerSec),
    classifyPerSec: Math.round(res.classifyPerSec),
    learnPerCpuSec: Math.round(res.learnPerCpuSec),
    classifyPerCpuSec: Math.round(res.classifyPerCpuSec),
    loadAverage: Math.round(loadavg()[0] as number * 100) / 100,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  // the phishing among the test spam (phishing.ts: chosen by the institution or account pretext it claims)
  const phishing = new Set(testMsgs.filter((m) => m.label === 'spam' && looksLikePhishing(parseMessageSafe(m.raw))).map((m) => m.path));
  if (phishing.size > 0) {
    const caught = res.scored.filter((s) => phishing.has(s.path) && s.score >= scorer.threshold).length;
    out['phishing'] = { count: phishing.size, recallAtThreshold: round(caught / phishing.size) };
  }
  if (args.opts.size > 0) out['opts'] = Object.fromEntries(args.opts);
  const notes = [...(scorer.notes ?? [])];
  if (args.baseline) {
    const natural = new NaturalScorer();
    const nres = await run(natural, trainMsgs, testMsgs, false);
    const na = auc(nres.scored);
    out['baselines'] = { natural: { auc: round(na), oneMinusRocaPct: round((1 - na) * 100, 4), recallAtFpr0_1: round(recallAtFpr(nres.scored, 0.001)) } };
    notes.push(...(natural.notes ?? []));
  }
  if (notes.length > 0) out['notes'] = notes;
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const out = await evaluate(args);
  if (args.json) process.stdout.write(JSON.stringify(out) + '\n');
  else for (const [k, v] of Object.entries(out)) process.stdout.write(`${k.padEnd(16)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`eval: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
