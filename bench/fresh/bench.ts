/**
 * `npm run -s bench -- fresh [--corpus .cache/corpus] [--per-class 1000] [--sizes 0,25,50,100,200,400,1000,3000]
 *   [--variants today,ramp,starter,starter-warm,starter-scratch] [--json]`
 *
 * What does a fresh installation say before its users have made hundreds of marks? The provider is Enron-Spam's six
 * users (bench/personal/enron-users.ts); its global layer grows from P marks drawn from their earlier mail (a seeded
 * random sample, both classes as they come), and each variant scores all six users' later mail with the global
 * model (no user layer): AUC and FPR / miss rate at the default threshold (combined logit 1). A model that stays
 * silent scores 0 (delivered as ham). The starter model is learned from a public corpus of another era and other
 * people (SpamAssassin's sa-dev, 2002), never from the mail it is judged on.
 * Variants:
 * - `before`: the filter before this change: silent below BAYES_MIN_LEARNS (200) per class; above it Bayes + the
 *   logistic component retrained from the provider's set.
 * - `no-starter` (deployed with BAYES_STARTER=off): below the floor the Bayes evidence is weighed by trained/floor
 *   (BAYES_GLOBAL_RAMP); the provider's logistic snapshot from LOGISTIC_MIN_PER_CLASS (20) trainings of each class.
 * - `starter` (deployed with BAYES_STARTER=builtin): the starter's Bayes counts are the prior of the provider's; its
 *   logistic weights until the provider's own snapshot (from 20 of each class, trained from zero).
 * - `starter-weights-only`: the starter's logistic weights are never replaced (its Bayes prior as in `starter`).
 * - `starter-warm`: as `starter`, but each retrain starts from the starter's weights (measured, not deployed).
 * - `ramp`, `starter-scratch`: the ramp without a logistic snapshot; the provider's snapshot from 1 of each class.
 */
import {
  MemoryBayesStore,
  OnlineLogistic,
  SpamClassifier,
  buildStarterModel,
  encodeStarterModel,
  logisticModelConfig,
  messageFingerprint,
  spamClassifierOptions,
  starterLogistic,
  trainLogistic,
  type LogisticExample,
  type PreparedMessage,
  type SpamClassifierOptions,
  type StarterModel,
} from '@spamfilter/bayes';
import { loadConfig } from '@spamfilter/config';
import { parseMessageSafe } from '@spamfilter/mail';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { auc, ratesAt } from '../eval/metrics';
import { readIndex, seededRandom } from '../lib/corpus';
import { loadEnronUsers } from '../personal/enron-users';

const THRESHOLD = 1;
const FLOOR = 200;
/** Trainings per class before a provider snapshot replaces the starter's weights (LOGISTIC_MIN_PER_CLASS). */
const LR_MIN = 20;

interface Args {
  corpus: string;
  perClass: number;
  sizes: number[];
  variants: string[];
  starterStrength: number;
  starterMinCount: number;
  provider: 'enron' | 'sa-dev';
  json: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = {
    corpus: '.cache/corpus',
    perClass: 1000,
    sizes: [0, 25, 50, 100, 200, 400, 1000, 3000],
    variants: ['before', 'no-starter', 'starter', 'starter-weights-only', 'starter-warm'],
    starterStrength: 1,
    starterMinCount: 2,
    provider: 'enron',
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => String(argv[++i]);
    if (k === '--corpus') a.corpus = v();
    else if (k === '--per-class') a.perClass = Number(v());
    else if (k === '--sizes') a.sizes = v().split(',').map(Number);
    else if (k === '--variants') a.variants = v().split(',');
    else if (k === '--starter-strength') a.starterStrength = Number(v());
    else if (k === '--starter-min-count') a.starterMinCount = Number(v());
    else if (k === '--provider') a.provider = v() === 'sa-dev' ? 'sa-dev' : 'enron';
    else if (k === '--json') a.json = true;
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

interface Item {
  readonly prepared: PreparedMessage;
  readonly fingerprint: string;
  readonly label: 'spam' | 'ham';
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const base = spamClassifierOptions(loadConfig({}).bayes);
  const model = logisticModelConfig(base)!;
  const prep = new SpamClassifier(new MemoryBayesStore(), base);
  const item = (raw: Buffer, label: 'spam' | 'ham'): Item => ({
    prepared: prep.prepare(parseMessageSafe(raw)),
    fingerprint: messageFingerprint(raw),
    label,
  });

  const shuffle = <T>(list: T[], seed: number): T[] => {
    const r = seededRandom(seed);
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    return list;
  };
  const saDir = join(args.corpus, 'sa-dev');
  const sa = readIndex(saDir);
  const users = loadEnronUsers(join(args.corpus, 'enron'), args.perClass);
  let starterItems: Item[];
  let pool: Item[];
  let test: Item[];
  if (args.provider === 'enron') {
    // Starter: sa-dev (seeded random order). Provider: the six Enron users; marks from earlier mail, judged on later.
    starterItems = shuffle(sa, 3).map((e) => item(readFileSync(join(saDir, e.path)), e.label));
    pool = shuffle(
      users.flatMap((u) => u.earlier.map((m) => item(m.raw, m.label))),
      5,
    );
    test = users.flatMap((u) => u.later.map((m) => item(m.raw, m.label)));
  } else {
    // The other way round: starter from the Enron users' mail, provider sa-dev (first 60% of its index marks, the
    // rest is judged: later mail of the same sources).
    starterItems = shuffle(
      users.flatMap((u) => [...u.earlier, ...u.later].map((m) => item(m.raw, m.label))),
      3,
    );
    const cut = Math.round(sa.length * 0.6);
    pool = shuffle(
      sa.slice(0, cut).map((e) => item(readFileSync(join(saDir, e.path)), e.label)),
      5,
    );
    test = sa.slice(cut).map((e) => item(readFileSync(join(saDir, e.path)), e.label));
  }
  const starter = buildStarterModel(
    starterItems.map((m) => ({
      tokens: m.prepared.tokens.ids,
      features: m.prepared.features,
      label: m.label,
    })),
    {
      source: args.provider === 'enron' ? 'sa-dev' : 'enron',
      minCount: args.starterMinCount,
      logistic: model,
    },
  );
  const bytes = encodeStarterModel(starter).length;
  process.stderr.write(
    `[fresh] starter: ${starter.tokens.size} tokens, ${starter.totals.spam}/${starter.totals.ham}, ${bytes} bytes\n`,
  );
  process.stderr.write(`[fresh] provider pool ${pool.length}, test ${test.length}\n`);

  const rows: Record<string, unknown>[] = [];
  for (const size of args.sizes) {
    const set = pool.slice(0, size);
    const store = new MemoryBayesStore();
    const trainer = new SpamClassifier(store, base);
    for (const m of set) await trainer.bayes.learn(null, m.fingerprint, m.prepared.tokens, m.label);
    const examples: LogisticExample[] = set.map((m) => ({ features: m.prepared.features, label: m.label }));
    const spam = set.filter((m) => m.label === 'spam').length;
    const ham = set.length - spam;
    for (const variant of args.variants) {
      const r = await evaluateVariant(variant, store, base, examples, spam, ham, starter, args, test);
      rows.push({ size, spam, ham, variant, ...r });
      process.stderr.write(`[fresh] P=${size} ${variant}: ${JSON.stringify(r)}\n`);
    }
  }
  if (args.json) for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    process.stdout.write(
      `| provider trainings (spam/ham) | ${args.variants.join(' | ')} |\n|---|${args.variants.map(() => '---').join('|')}|\n`,
    );
    for (const size of args.sizes) {
      const rs = rows.filter((r) => r.size === size);
      const head = rs[0] as { spam: number; ham: number };
      const cell = (v: string): string => {
        const r = rs.find((x) => x.variant === v) as { auc: number; fpr: number; fnr: number } | undefined;
        return r
          ? `${Number.isNaN(r.auc) ? '–' : r.auc.toFixed(4)} / ${(r.fpr * 100).toFixed(1)}% / ${(r.fnr * 100).toFixed(1)}%`
          : '–';
      };
      process.stdout.write(
        `| ${size} (${head.spam}/${head.ham}) | ${args.variants.map(cell).join(' | ')} |\n`,
      );
    }
  }
}

async function evaluateVariant(
  variant: string,
  store: MemoryBayesStore,
  base: SpamClassifierOptions,
  examples: LogisticExample[],
  spam: number,
  ham: number,
  starter: StarterModel,
  args: Args,
  test: Item[],
): Promise<{ auc: number; fpr: number; fnr: number }> {
  const model = logisticModelConfig(base)!;
  const options = { ...base.logistic!, bits: model.bits };
  const both = spam > 0 && ham > 0;
  const mature = Math.min(spam, ham) >= FLOOR;
  let bayes = { ...base.bayes, globalFloor: FLOOR, globalRamp: false };
  let lr: OnlineLogistic | null = null;
  let silent = false;
  let useStarter = false;
  switch (variant) {
    case 'before':
      silent = !mature;
      lr = mature ? trainLogistic(examples, options, model.passes) : null;
      break;
    case 'ramp':
      bayes = { ...bayes, globalRamp: true };
      lr = mature ? trainLogistic(examples, options, model.passes) : null;
      break;
    case 'no-starter':
      bayes = { ...bayes, globalRamp: true };
      lr = Math.min(spam, ham) >= LR_MIN ? trainLogistic(examples, options, model.passes) : null;
      break;
    case 'starter':
      useStarter = true;
      lr =
        Math.min(spam, ham) >= LR_MIN
          ? trainLogistic(examples, options, model.passes)
          : starterLogistic(starter, model.bits);
      break;
    case 'starter-weights-only':
      useStarter = true;
      lr = starterLogistic(starter, model.bits);
      break;
    case 'starter-warm': {
      useStarter = true;
      const warm = starterLogistic(starter, model.bits)!;
      lr = examples.length > 0 ? warmTrain(warm, examples, model.passes) : warm;
      break;
    }
    case 'starter-scratch':
      useStarter = true;
      lr = both ? trainLogistic(examples, options, model.passes) : starterLogistic(starter, model.bits);
      break;
    default:
      throw new Error(`unknown variant ${variant}`);
  }
  const classifier = new SpamClassifier(store, {
    ...base,
    bayes: { ...bayes, starterStrength: args.starterStrength },
  });
  classifier.bayes.useStarter(useStarter ? starter : null);
  classifier.useLogistic(lr);
  const items: { score: number; spam: boolean }[] = [];
  for (const m of test)
    items.push({
      score: silent ? 0 : (await classifier.classify(m.prepared, null)).logit,
      spam: m.label === 'spam',
    });
  const rates = ratesAt(items, THRESHOLD);
  return { auc: round(auc(items), 5), fpr: round(rates.fpr), fnr: round(rates.fnr) };
}

/** The deployed warm start (libs/bayes trainLogistic from the starter's weights). */
function warmTrain(start: OnlineLogistic, examples: LogisticExample[], passes: number): OnlineLogistic {
  return trainLogistic(examples, start.options, passes, start.weights);
}
