/**
 * `npm run -s bench -- personal [--corpus .cache/corpus/enron] [--per-class 1000] [--marks 1,5,20,50]
 *   [--protocol errors|random] [--variants deployed,…] [--global others|none] [--json]`
 *
 * Does a user's own marking help that user, from the first mark? Enron-Spam's six users (enron-users.ts: the paper's
 * pairing, each shared spam collection split between its two users, neutral headers — the deployed BAYES_HEADERS).
 * For each user: the global model is what the other users of the two OTHER spam collections trained (Bayes global
 * layer + the logistic component retrained from that set, as the learner's LogisticTrainer does), so no message and
 * no spam collection of the user is in it; `--global none` gives a fresh installation instead (no global layer, no
 * snapshot). The user then marks N messages of their earlier mail — `errors`: what the global model got wrong at the
 * default threshold, in arrival order (then further earlier mail in order when there are fewer errors), as people
 * mark what was misfiled; `random`: a seeded random sample — and the user's later mail is scored with
 * SpamClassifier.classify(message, user): AUC, FPR and miss rate at the default threshold (combined logit 1).
 * N = 0 is the global model alone. Deterministic (no wall-clock figures).
 */
import {
  MemoryBayesStore,
  SpamClassifier,
  logisticModelConfig,
  messageFingerprint,
  spamClassifierOptions,
  trainLogistic,
  type BayesOptions,
  type LogisticExample,
  type PreparedMessage,
  type SpamClassifierOptions,
  type StarterModel,
  buildStarterModel,
  starterLogistic,
} from '@spamfilter/bayes';
import { loadConfig } from '@spamfilter/config';
import { parseMessageSafe } from '@spamfilter/mail';
import { auc, ratesAt } from '../eval/metrics';
import { readIndex, seededRandom } from '../lib/corpus';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnronUsers, type UserMail, type UserMessage } from './enron-users';

const THRESHOLD = 1;
/** The starter model of `--global starter` (null otherwise). */
let starter: StarterModel | null = null;

interface Args {
  corpus: string;
  perClass: number;
  marks: number[];
  protocol: 'errors' | 'random';
  variants: string[];
  global: 'others' | 'none' | 'sa-dev' | 'starter';
  json: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = {
    corpus: '.cache/corpus/enron',
    perClass: 1000,
    marks: [1, 5, 20, 50],
    protocol: 'errors',
    variants: ['deployed'],
    global: 'others',
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => String(argv[++i]);
    if (k === '--corpus') a.corpus = v();
    else if (k === '--per-class') a.perClass = Number(v());
    else if (k === '--marks') a.marks = v().split(',').map(Number);
    else if (k === '--protocol') a.protocol = v() === 'random' ? 'random' : 'errors';
    else if (k === '--variants') a.variants = v().split(',');
    else if (k === '--global') a.global = v() as Args['global'];
    else if (k === '--json') a.json = true;
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

/** Blend variants compared in one run (experiments; `deployed` is the configuration defaults). */
export const VARIANTS: Record<string, Partial<BayesOptions>> = {
  deployed: {},
  'no-background': { userPrior: 0 },
  'no-near-copy': { userNearCopy: 0 },
  near06: { userNearCopy: 0.6 },
  near08: { userNearCopy: 0.8 },
  bg3: { userPrior: 3 },
};

interface Prepared {
  readonly msg: UserMessage;
  readonly prepared: PreparedMessage;
  readonly fingerprint: string;
}

export interface Row {
  user: string;
  variant: string;
  marks: number;
  /** How many of the marks were the global model's errors. */
  errorsMarked: number;
  spamMarked: number;
  auc: number;
  fpr: number;
  fnr: number;
  ham: number;
  spam: number;
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

function score(rows: { logit: number; spam: boolean }[]): { auc: number; fpr: number; fnr: number } {
  const items = rows.map((r) => ({ score: r.logit, spam: r.spam }));
  const rates = ratesAt(items, THRESHOLD);
  return { auc: round(auc(items), 5), fpr: round(rates.fpr), fnr: round(rates.fnr) };
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const base = spamClassifierOptions(loadConfig({}).bayes);
  const users = loadEnronUsers(args.corpus, args.perClass);
  const prep = new SpamClassifier(new MemoryBayesStore(), base);
  const prepared = new Map<UserMail, { earlier: Prepared[]; later: Prepared[] }>();
  for (const u of users) {
    const p = (m: UserMessage): Prepared => ({
      msg: m,
      prepared: prep.prepare(parseMessageSafe(m.raw)),
      fingerprint: messageFingerprint(m.raw),
    });
    prepared.set(u, { earlier: u.earlier.map(p), later: u.later.map(p) });
  }
  process.stderr.write(
    `[personal] prepared ${users.reduce((n, u) => n + u.earlier.length + u.later.length, 0)} messages\n`,
  );
  const rows: Row[] = [];
  for (const collection of [...new Set(users.map((u) => u.spamCollection))]) {
    const globalUsers = users.filter((u) => u.spamCollection !== collection);
    const mine = users.filter((u) => u.spamCollection === collection);
    const examples: LogisticExample[] = [];
    if (args.global === 'others') {
      const all = globalUsers.flatMap((u) => [
        ...(prepared.get(u)?.earlier ?? []),
        ...(prepared.get(u)?.later ?? []),
      ]);
      // The global set arrives from several users at once: a seeded shuffle stands for that (and keeps the classes mixed).
      const rnd = seededRandom(7);
      for (let i = all.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [all[i], all[j]] = [all[j] as Prepared, all[i] as Prepared];
      }
      const fresh = new MemoryBayesStore();
      const trainer = new SpamClassifier(fresh, base);
      for (const m of all) {
        await trainer.bayes.learn(null, m.fingerprint, m.prepared.tokens, m.msg.label);
        examples.push({ features: m.prepared.features, label: m.msg.label });
      }
      await runUsers(
        fresh,
        examples,
        base,
        mine,
        prepared,
        args,
        rows,
        globalUsers.map((u) => u.user).join('+'),
      );
    } else if (args.global === 'starter') {
      // A fresh installation with the starter model learned from sa-dev: an empty provider global layer.
      const dir = args.corpus.replace(/enron\/?$/, 'sa-dev');
      const trainer = new SpamClassifier(new MemoryBayesStore(), base);
      const items = readIndex(dir).map((e) => {
        const p = trainer.prepare(parseMessageSafe(readFileSync(join(dir, e.path))));
        return { tokens: p.tokens.ids, features: p.features, label: e.label };
      });
      starter = buildStarterModel(items, {
        source: 'sa-dev',
        minCount: 2,
        logistic: logisticModelConfig(base),
      });
      await runUsers(new MemoryBayesStore(), examples, base, mine, prepared, args, rows, 'starter');
    } else if (args.global === 'sa-dev') {
      // A public corpus of another era and other people (SpamAssassin 2002): what a starter model would know.
      const dir = args.corpus.replace(/enron\/?$/, 'sa-dev');
      const fresh = new MemoryBayesStore();
      const trainer = new SpamClassifier(fresh, base);
      const entries = readIndex(dir);
      const rnd = seededRandom(7);
      for (let i = entries.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [entries[i], entries[j]] = [entries[j]!, entries[i]!];
      }
      for (const e of entries) {
        const raw = readFileSync(join(dir, e.path));
        const p = trainer.prepare(parseMessageSafe(raw));
        await trainer.bayes.learn(null, messageFingerprint(raw), p.tokens, e.label);
        examples.push({ features: p.features, label: e.label });
      }
      await runUsers(fresh, examples, base, mine, prepared, args, rows, 'sa-dev');
    } else {
      await runUsers(new MemoryBayesStore(), examples, base, mine, prepared, args, rows, 'none');
    }
  }
  print(rows, args);
}

async function runUsers(
  store: MemoryBayesStore,
  examples: LogisticExample[],
  base: SpamClassifierOptions,
  mine: UserMail[],
  prepared: Map<UserMail, { earlier: Prepared[]; later: Prepared[] }>,
  args: Args,
  rows: Row[],
  globalName: string,
): Promise<void> {
  const model = logisticModelConfig(base);
  const lr =
    model && examples.length > 0
      ? trainLogistic(examples, base.logistic!, model.passes)
      : starterLogistic(starter, model?.bits ?? 20);
  process.stderr.write(`[personal] global ${globalName}: ${examples.length} trainings\n`);
  for (const variant of args.variants) {
    const overrides = VARIANTS[variant];
    if (!overrides) throw new Error(`unknown variant ${variant} (${Object.keys(VARIANTS).join(', ')})`);
    const classifier = new SpamClassifier(store, { ...base, bayes: { ...base.bayes, ...overrides } });
    classifier.useLogistic(lr);
    classifier.bayes.useStarter(starter);
    for (const u of mine) {
      const p = prepared.get(u)!;
      const globalLogits = await Promise.all(
        p.earlier.map(async (m) => (await classifier.classify(m.prepared, null)).logit),
      );
      const isError = (i: number): boolean => {
        const m = p.earlier[i]!;
        const l = globalLogits[i]!;
        return m.msg.label === 'spam' ? l < THRESHOLD : l >= THRESHOLD;
      };
      const order = markOrder(p.earlier.length, args.protocol, isError);
      for (const n of [0, ...args.marks]) {
        const userId = `${u.user}/${variant}/${args.protocol}/${n}`;
        const chosen = order.slice(0, n).sort((a, b) => a - b);
        for (const i of chosen) {
          const m = p.earlier[i]!;
          await classifier.learn(userId, m.fingerprint, m.prepared, m.msg.label);
        }
        const scored: { logit: number; spam: boolean }[] = [];
        for (const m of p.later)
          scored.push({
            logit: (await classifier.classify(m.prepared, n === 0 ? null : userId)).logit,
            spam: m.msg.label === 'spam',
          });
        rows.push({
          user: u.user,
          variant,
          marks: n,
          errorsMarked: chosen.filter(isError).length,
          spamMarked: chosen.filter((i) => p.earlier[i]!.msg.label === 'spam').length,
          ...score(scored),
          ham: scored.filter((s) => !s.spam).length,
          spam: scored.filter((s) => s.spam).length,
        });
      }
    }
  }
}

/** Indices of earlier mail in the order the user marks them. */
function markOrder(n: number, protocol: Args['protocol'], isError: (i: number) => boolean): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (protocol === 'random') {
    const rnd = seededRandom(11);
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [all[i], all[j]] = [all[j] as number, all[i] as number];
    }
    return all;
  }
  return [...all.filter(isError), ...all.filter((i) => !isError(i))];
}

function print(rows: Row[], args: Args): void {
  if (args.json) {
    for (const r of rows)
      process.stdout.write(
        `${JSON.stringify({ ...r, protocol: args.protocol, global: args.global, perClass: args.perClass })}\n`,
      );
    return;
  }
  const marks = [0, ...args.marks];
  for (const variant of args.variants) {
    process.stdout.write(
      `\nvariant ${variant}, protocol ${args.protocol}, global ${args.global} — AUC / FPR / miss at logit ${THRESHOLD}\n`,
    );
    process.stdout.write(
      `| user | ${marks.map((n) => (n === 0 ? 'global alone' : `${n} marks`)).join(' | ')} |\n`,
    );
    process.stdout.write(`|---|${marks.map(() => '---').join('|')}|\n`);
    const vr = rows.filter((r) => r.variant === variant);
    for (const user of [...new Set(vr.map((r) => r.user))]) {
      const cells = marks.map((n) => {
        const r = vr.find((x) => x.user === user && x.marks === n);
        return r ? `${r.auc.toFixed(4)} / ${(r.fpr * 100).toFixed(1)}% / ${(r.fnr * 100).toFixed(1)}%` : '–';
      });
      process.stdout.write(`| ${user} | ${cells.join(' | ')} |\n`);
    }
    const mean = marks.map((n) => {
      const rs = vr.filter((r) => r.marks === n);
      const m = (f: (r: Row) => number): number => rs.reduce((s, r) => s + f(r), 0) / rs.length;
      return `${m((r) => r.auc).toFixed(4)} / ${(m((r) => r.fpr) * 100).toFixed(1)}% / ${(m((r) => r.fnr) * 100).toFixed(1)}%`;
    });
    process.stdout.write(`| mean | ${mean.join(' | ')} |\n`);
  }
}
