import type { ParsedMessage } from '@spamfilter/mail';
import { BayesClassifier, DEFAULT_BAYES, type BayesOptions, type BayesVerdict } from './bayes-classifier';
import type { BayesStore, Label, TrainOutcome } from './bayes-store';
import { CharGramFeatures, tokenFeatures } from './features';
import { extraPasses, type LogisticExample } from './logistic-training';
import { DEFAULT_LOGISTIC, OnlineLogistic, type LogisticOptions } from './online-logistic';
import { DEFAULT_TOKENIZER, tokenize, type TokenSet, type TokenizerOptions } from './tokenizer';

export type LogisticFeatureSet = 'grams+tokens' | 'tokens' | 'token-views';

export interface SpamClassifierOptions {
  readonly tokenizer: TokenizerOptions;
  readonly bayes: BayesOptions;
  /** The global discriminative component (null: Bayes alone). */
  readonly logistic: LogisticOptions | null;
  /**
   * Features of the logistic component: character 4-grams of the neutral headers and body plus the token ids
   * (`grams+tokens`), or the token ids alone (`tokens`: all a training record keeps, so the learner can retrain), or
   * the token ids in two views, words and structural tokens, each learned on its own (`token-views`, the default:
   * features.ts `tokenFeatures`).
   */
  readonly logisticFeatures: LogisticFeatureSet;
  /** Body characters read for character 4-grams. */
  readonly gramChars: number;
  /** Weight of the Bayes layer's compressed logit, sign(b)·ln(1 + |b|), added to the logistic logit. */
  readonly bayesWeight: number;
  /** Passes over the training set in `trainBatch` (online learning makes one). */
  readonly passes: number;
  /**
   * The combined logit (logistic + Bayes) is multiplied by this before it becomes the probability: the two views'
   * logits add up to about twice the spread of one view's, and the filter's BAYES_SPAM/BAYES_HAM curve, which
   * saturates at p 0.9 / 0.1, then tied most mail at its full weight (BAYES_LOGIT_SCALE; default 1).
   */
  readonly logitScale?: number;
}

export const DEFAULT_SPAM_CLASSIFIER: SpamClassifierOptions = {
  tokenizer: DEFAULT_TOKENIZER,
  bayes: DEFAULT_BAYES,
  logistic: { ...DEFAULT_LOGISTIC, views: true, maxWeight: 2 },
  logisticFeatures: 'token-views',
  gramChars: 1500,
  bayesWeight: 0.5,
  passes: 8,
  logitScale: 0.5,
};

/** A message prepared once (tokens and features) for classify and learn. */
export interface PreparedMessage {
  readonly tokens: TokenSet;
  /** Hashed features of the discriminative component; empty when it is off. */
  readonly features: Uint32Array;
}

export interface SpamVerdict {
  /** Spam probability in [0,1] (the logistic of `logit`). */
  readonly score: number;
  /** Combined logit: never saturates, use it to rank and threshold. */
  readonly logit: number;
  readonly bayes: BayesVerdict;
  /** The discriminative component's logit, null when it is off. */
  readonly discriminative: number | null;
}

/**
 * The product's statistical classifier: the layered Robinson–Fisher model (global + per-user, exact learn/unlearn in
 * a `BayesStore`) plus, optionally, a global logistic regression over hashed token ids (and, for experiments,
 * character 4-grams), combined in logit space. Why both: across time (train on earlier mail, test on later) the
 * logistic component generalised much better on sa-dev than Bayes alone, while on Enron per user Bayes was stronger;
 * the sum was never the worst and usually the best (bench/eval/README.md). Bayes' chi-square logits reach ±20 for
 * confident but wrong verdicts, so they are compressed with sign·ln(1+|b|) before being added.
 *
 * The logistic weights live in memory (4 MiB at 20 bits). In the product they are retrained in batch from the global
 * layer's training set by the learner (`trainLogistic`, apps/api LogisticTrainer) and installed in every filter with
 * `useLogistic` from a snapshot (logistic-snapshot.ts); until one is installed (`useLogistic(null)`) the classifier
 * is Bayes alone. `learn` also steps the weights online — the evaluation harness's `--online` experiments only.
 */
export class SpamClassifier {
  readonly bayes: BayesClassifier;
  private current: OnlineLogistic | null;
  private readonly grams: CharGramFeatures | null;

  constructor(
    store: BayesStore,
    readonly options: SpamClassifierOptions = DEFAULT_SPAM_CLASSIFIER,
  ) {
    this.bayes = new BayesClassifier(store, options.bayes);
    this.current = options.logistic ? new OnlineLogistic(options.logistic) : null;
    this.grams =
      options.logistic && options.logisticFeatures === 'grams+tokens'
        ? new CharGramFeatures(options.logistic.bits, options.gramChars)
        : null;
  }

  /** The logistic component's current weights (null: Bayes alone). */
  get logistic(): OnlineLogistic | null {
    return this.current;
  }

  /**
   * Installs trained logistic weights (null: score with Bayes alone). Scans already running keep the weights they
   * started with only as far as they already scored; the swap itself is one assignment, so a scan never waits for it.
   */
  useLogistic(model: OnlineLogistic | null): void {
    const lr = this.options.logistic;
    if (model && (!lr || model.weights.length !== 1 << lr.bits))
      throw new Error(
        `logistic weights of ${model.weights.length} features do not fit this classifier (bits ${lr?.bits ?? 'off'})`,
      );
    this.current = model;
  }

  prepare(msg: ParsedMessage): PreparedMessage {
    const tokens = tokenize(msg, this.options.tokenizer);
    const lr = this.options.logistic;
    const features = this.grams
      ? this.grams.extract(msg, tokens.ids)
      : lr
        ? tokenFeatures(tokens.ids, lr.bits, this.options.logisticFeatures === 'token-views')
        : new Uint32Array(0);
    return { tokens, features };
  }

  async classify(msg: PreparedMessage, userId: string | null = null): Promise<SpamVerdict> {
    const bayes = await this.bayes.classify(msg.tokens, userId);
    return this.combine(msg, bayes);
  }

  combine(msg: PreparedMessage, bayes: BayesVerdict): SpamVerdict {
    const lr = this.current;
    if (!lr) return { score: bayes.score, logit: bayes.logit, bayes, discriminative: null };
    const z = lr.score(msg.features);
    const b = bayes.logit;
    const logit =
      (this.options.logitScale ?? 1) *
      (z + this.options.bayesWeight * Math.sign(b) * Math.log1p(Math.abs(b)));
    return { score: 1 / (1 + Math.exp(-logit)), logit, bayes, discriminative: z };
  }

  /**
   * Learns a message for a user (null: the global scope). The global scope also steps the discriminative component
   * online, once per message and class (a relearn of the same class is a no-op; a correction is a step toward the
   * new class — unlike the counts, a gradient step cannot be undone exactly, which is why the product retrains the
   * weights from the current training set instead).
   */
  async learn(
    userId: string | null,
    fingerprint: string,
    msg: PreparedMessage,
    label: Label,
    now: Date = new Date(),
  ): Promise<TrainOutcome> {
    const outcome = await this.bayes.learn(userId, fingerprint, msg.tokens, label, now);
    if (userId === null && this.current && (outcome === 'learned' || outcome === 'corrected'))
      this.current.learn(msg.features, label === 'spam');
    return outcome;
  }

  unlearn(userId: string | null, fingerprint: string, now: Date = new Date()): Promise<TrainOutcome> {
    return this.bayes.unlearn(userId, fingerprint, now);
  }

  /** Extra passes of the discriminative component over a training set already learned once with `learn`. */
  trainBatch(examples: readonly LogisticExample[]): void {
    if (this.current) extraPasses(this.current, examples, this.options.passes);
  }
}
