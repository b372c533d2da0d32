/**
 * Our classifier against rspamd's and SpamAssassin's, trained and tested on the same split of the same messages
 * (issue 3). See bench/compare/README.md.
 *   npm run -s eval:compare -- --corpus DIR [--split 0.6] [--split-order time|random] [--seed N]
 *                              [--headers neutral|all] [--user NAME] [--sample N] [--systems ours,sa,rspamd] [--pipeline] [--json]
 *   npm run -s bench -- compare …   (the same)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ENRON_USERS,
  loadMessages,
  readIndex,
  sampleEntries,
  splitEntries,
  type CorpusMessage,
} from '../lib/corpus';
import { BayesScorer } from '../eval/bayes.scorer';
import { metricsOf, round, run } from '../eval/eval';
import { ratesAt, recallAtFpr, type Scored } from '../eval/metrics';
import { PipelineScorer } from '../eval/pipeline.scorer';
import type { Scorer } from '../eval/scorer';
import { neutralizeHeaders } from './neutral-headers';
import { Cleanup } from './processes';
import type { ReferenceScore } from './replies';
import { RSPAMD_ADD_HEADER, RSPAMD_REJECT, RspamdRunner } from './rspamd.runner';
import { SA_REQUIRED_SCORE, SpamAssassinRunner } from './spamassassin.runner';
import { eachArg, oneOf } from '../lib/args';

export { ENRON_USERS };

type System = 'ours' | 'sa' | 'rspamd';

export interface CompareArgs {
  corpus: string;
  split: number;
  splitOrder: 'random' | 'time';
  seed: number;
  headers: 'neutral' | 'all';
  user: string | null;
  /** At most this many messages of each class (a seeded sample, index order kept); null = all. */
  sample: number | null;
  systems: System[];
  pipeline: boolean;
  json: boolean;
}

export function parseCompareArgs(argv: readonly string[]): CompareArgs {
  const a: CompareArgs = {
    corpus: '',
    split: 0.6,
    splitOrder: 'random',
    seed: 1,
    headers: 'neutral',
    user: null,
    sample: null,
    systems: ['ours', 'sa', 'rspamd'],
    pipeline: false,
    json: false,
  };
  eachArg(argv, (k, v) => {
    switch (k) {
      case '--corpus':
        a.corpus = v();
        break;
      case '--split':
        a.split = Number(v());
        break;
      case '--split-order':
        a.splitOrder = oneOf(k, v(), ['random', 'time']);
        break;
      case '--seed':
        a.seed = Number(v());
        break;
      case '--headers':
        a.headers = oneOf(k, v(), ['neutral', 'all']);
        break;
      case '--user':
        a.user = v();
        break;
      case '--sample':
        a.sample = Number(v());
        break;
      case '--systems': {
        const list = v()
          .split(',')
          .map((s) => s.trim());
        for (const s of list)
          if (s !== 'ours' && s !== 'sa' && s !== 'rspamd')
            throw new Error(`--systems: unknown ${s} (ours, sa, rspamd)`);
        a.systems = list as System[];
        break;
      }
      case '--pipeline':
        a.pipeline = true;
        break;
      case '--json':
        a.json = true;
        break;
      default:
        throw new Error(`unknown argument ${k}`);
    }
  });
  if (!a.corpus) throw new Error('--corpus DIR is required');
  if (!(a.split > 0 && a.split < 1)) throw new Error('--split F needs 0 < F < 1');
  if (a.sample !== null && !(Number.isInteger(a.sample) && a.sample > 0))
    throw new Error('--sample N needs a positive integer');
  if (a.user !== null && !(a.user in ENRON_USERS))
    throw new Error(`--user: one of ${Object.keys(ENRON_USERS).join(', ')}`);
  return a;
}

export { sampleEntries };

type Row = ReturnType<typeof metricsOf> & Record<string, unknown>;

const scoredOf = (test: readonly CorpusMessage[], scores: readonly number[]): (Scored & { path: string })[] =>
  test.map((m, i) => ({ score: scores[i] as number, spam: m.label === 'spam', path: m.path }));

async function ours(
  scorer: Scorer,
  train: readonly CorpusMessage[],
  test: readonly CorpusMessage[],
): Promise<{ row: Row; scored: Scored[] }> {
  const t0 = Date.now();
  const res = await run(scorer, train, test, false);
  return {
    row: { ...metricsOf(res.scored, scorer.threshold), seconds: Math.round((Date.now() - t0) / 1000) },
    scored: res.scored,
  };
}

/** The two rows of a reference tool from one scan of each test message: its Bayes alone (p ≥ 0.5) and its full score. */
function referenceRows(
  test: readonly CorpusMessage[],
  scores: readonly ReferenceScore[],
  fullThreshold: number,
  seconds: { learn: number; scan: number },
): { bayes: Row; full: Row } {
  const bayes = scoredOf(
    test,
    scores.map((s) => s.bayes),
  );
  const full = scoredOf(
    test,
    scores.map((s) => s.full),
  );
  return {
    bayes: {
      ...metricsOf(bayes, 0.5),
      silent: round(scores.filter((s) => s.bayes === 0.5).length / scores.length, 4),
      ...seconds,
    },
    full: { ...metricsOf(full, fullThreshold), ...seconds },
  };
}

const elapsed = (t0: number): number => Math.round((Date.now() - t0) / 1000);

export async function compare(args: CompareArgs, cleanup: Cleanup): Promise<Record<string, unknown>> {
  const filter =
    args.user === null ? null : new RegExp(`^(ham/${args.user}|spam/${ENRON_USERS[args.user]})/`);
  const all = readIndex(args.corpus, filter);
  const entries = args.sample === null ? all : sampleEntries(all, args.sample, args.seed);
  const { train: trainEntries, test: testEntries } = splitEntries(
    entries,
    args.split,
    args.splitOrder,
    args.seed,
  );
  // Every system gets the same bytes: with neutral headers, the rewritten copies (bench/compare/neutral-headers.ts).
  const prepare = (msgs: CorpusMessage[]): CorpusMessage[] =>
    args.headers === 'neutral' ? msgs.map((m) => ({ ...m, raw: neutralizeHeaders(m.raw) })) : msgs;
  const train = prepare(loadMessages(args.corpus, trainEntries));
  const test = prepare(loadMessages(args.corpus, testEntries));
  const count = (ms: readonly CorpusMessage[]) => ({
    ham: ms.filter((m) => m.label === 'ham').length,
    spam: ms.filter((m) => m.label === 'spam').length,
  });
  const rows: Record<string, Row> = {};
  const notes: string[] = [];
  const versions: Record<string, string> = {};
  let oursBoth: Scored[] | null = null;
  const work = mkdtempSync(join(tmpdir(), 'compare-'));
  cleanup.add('temp dir', () => rmSync(work, { recursive: true, force: true }));

  if (args.systems.includes('ours')) {
    // the scorers see the rewritten bytes, so their own header option is moot for neutral; `all` keeps every header
    const opts = { headers: args.headers, seed: args.seed };
    const both = await ours(new BayesScorer({ ...opts, opts: new Map() }), train, test);
    rows['ours-both'] = both.row;
    oursBoth = both.scored;
    rows['ours-bayes'] = (
      await ours(new BayesScorer({ ...opts, opts: new Map([['mode', 'bayes']]) }), train, test)
    ).row;
    if (args.pipeline)
      rows['ours-pipeline'] = (await ours(new PipelineScorer({ ...opts, opts: new Map() }), train, test)).row;
  }
  if (args.systems.includes('sa')) {
    const sa = new SpamAssassinRunner(cleanup, join(work, 'sa'));
    versions['spamassassin'] = await sa.version();
    let t0 = Date.now();
    await sa.learn(train);
    const learn = elapsed(t0);
    await sa.start();
    t0 = Date.now();
    const scores = await sa.scanAll(test);
    const r = referenceRows(test, scores, SA_REQUIRED_SCORE, { learn, scan: elapsed(t0) });
    rows['sa-bayes'] = r.bayes;
    rows['sa-full'] = r.full;
    notes.push(...sa.notes);
  }
  if (args.systems.includes('rspamd')) {
    const rs = new RspamdRunner(cleanup, join(work, 'rspamd'));
    versions['rspamd'] = await rs.version();
    await rs.start();
    let t0 = Date.now();
    await rs.learn(train);
    const learn = elapsed(t0);
    t0 = Date.now();
    const scores = await rs.scanAll(test);
    const r = referenceRows(test, scores, RSPAMD_ADD_HEADER, { learn, scan: elapsed(t0) });
    const atReject = ratesAt(
      scoredOf(
        test,
        scores.map((s) => s.full),
      ),
      RSPAMD_REJECT,
    );
    rows['rspamd-bayes'] = r.bayes;
    rows['rspamd-full'] = { ...r.full, fprAtReject: round(atReject.fpr), fnrAtReject: round(atReject.fnr) };
    notes.push(...rs.notes);
  }
  // The same operating point: ours-both's miss rate when it is allowed exactly the false positives a row made at its
  // own default threshold (same test set, so the same ham count) — thresholds are not comparable across systems.
  if (oursBoth !== null) {
    for (const [name, row] of Object.entries(rows)) {
      if (name !== 'ours-both') row['oursBothFnrAtSameFpr'] = round(1 - recallAtFpr(oursBoth, row.fpr));
    }
  }
  return {
    corpus: args.corpus.replace(/\/+$/, '').split('/').pop(),
    user: args.user === null ? null : `${args.user}+${ENRON_USERS[args.user]}`,
    split: {
      fraction: args.split,
      order: args.splitOrder,
      seed: args.splitOrder === 'random' ? args.seed : null,
    },
    headers: args.headers,
    sample:
      args.sample === null
        ? null
        : {
            perClass: args.sample,
            seed: args.seed,
            of: {
              ham: all.filter((e) => e.label === 'ham').length,
              spam: all.filter((e) => e.label === 'spam').length,
            },
          },
    train: count(train),
    test: count(test),
    rows,
    thresholds: {
      'ours-both': 'combined logit 1',
      'ours-bayes': 'logit ln 9 (p 0.9)',
      'sa-bayes': 'p 0.5',
      'sa-full': `required_score ${SA_REQUIRED_SCORE}`,
      'rspamd-bayes': 'p 0.5',
      'rspamd-full': `add_header ${RSPAMD_ADD_HEADER} (fprAtReject: reject ${RSPAMD_REJECT})`,
    },
    versions,
    loadAverage: round(loadavg()[0] as number, 2),
    finishedAt: new Date().toISOString(),
    notes,
  };
}

function printTable(out: Record<string, unknown>): void {
  const rows = out['rows'] as Record<string, Row>;
  process.stdout.write(
    `${String(out['corpus'])} ${out['user'] ? String(out['user']) + ' ' : ''}${JSON.stringify(out['split'])} headers=${String(out['headers'])} train=${JSON.stringify(out['train'])} test=${JSON.stringify(out['test'])}\n`,
  );
  process.stdout.write(
    'system        AUC      1-ROCA%  thr     FPR      FNR      R@0.1%   R@1%     hardFPR\n',
  );
  for (const [name, r] of Object.entries(rows)) {
    const f = (x: unknown) => String(x ?? '–').padEnd(8);
    process.stdout.write(
      `${name.padEnd(13)} ${f(r.auc)} ${f(r.oneMinusRocaPct)} ${f(r.threshold)}${f(r.fpr)} ${f(r.fnr)} ${f(r.recallAtFpr0_1)} ${f(r.recallAtFpr1)} ${f(r.hardHamFpr)}\n`,
    );
  }
  for (const n of out['notes'] as string[]) process.stdout.write(`note: ${n}\n`);
}

export async function main(argv: string[]): Promise<void> {
  const args = parseCompareArgs(argv);
  const cleanup = new Cleanup();
  const onSignal = (sig: NodeJS.Signals): void => {
    process.stderr.write(`compare: ${sig}, stopping what it started\n`);
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const out = await compare(args, cleanup);
    if (args.json) process.stdout.write(JSON.stringify(out) + '\n');
    else printTable(out);
  } finally {
    await cleanup.runAll();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`compare: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
