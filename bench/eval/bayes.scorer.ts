import {
  DEFAULT_BAYES, DEFAULT_LOGISTIC, DEFAULT_SPAM_CLASSIFIER, DEFAULT_TOKENIZER, MemoryBayesStore, SpamClassifier, messageFingerprint,
  type Label, type SpamClassifierOptions,
} from '@spamfilter/bayes';
import { parseMessageSafe } from '@spamfilter/mail';
import type { CorpusMessage } from '../lib/corpus';
import type { Scorer, ScorerOptions } from './scorer';

/**
 * The product's classifier (libs/bayes SpamClassifier, global scope, in-memory store): parse → tokenize → Bayes
 * (+ logistic). Scores are logits. `--opt mode=bayes|lr|both` (default both) and the other `--opt`s are for experiments.
 */
export class BayesScorer implements Scorer {
  readonly name: string;
  readonly threshold: number;
  private readonly model: SpamClassifier;
  private readonly mode: string;
  private readonly pending: { features: Uint32Array; label: Label }[] = [];

  constructor(opts: ScorerOptions) {
    const num = (k: string, d: number): number => (opts.opts.has(k) ? Number(opts.opts.get(k)) : d);
    this.mode = opts.opts.get('mode') ?? 'both';
    const options: SpamClassifierOptions = {
      ...DEFAULT_SPAM_CLASSIFIER,
      tokenizer: { ...DEFAULT_TOKENIZER, headers: opts.headers, osbWindow: num('osb', DEFAULT_TOKENIZER.osbWindow) },
      bayes: { ...DEFAULT_BAYES, strength: num('s', DEFAULT_BAYES.strength), minDev: num('minDev', DEFAULT_BAYES.minDev), maxTokens: num('maxTokens', DEFAULT_BAYES.maxTokens) },
      logistic: this.mode === 'bayes' ? null : { bits: num('bits', DEFAULT_LOGISTIC.bits), rate: num('rate', DEFAULT_LOGISTIC.rate), margin: num('margin', DEFAULT_LOGISTIC.margin) },
      gramChars: num('chars', DEFAULT_SPAM_CLASSIFIER.gramChars),
      bayesWeight: this.mode === 'lr' ? 0 : num('wb', DEFAULT_SPAM_CLASSIFIER.bayesWeight),
      passes: num('passes', DEFAULT_SPAM_CLASSIFIER.passes),
    };
    this.model = new SpamClassifier(new MemoryBayesStore(), options);
    this.name = `bayes(${this.mode})`;
    // Bayes alone: SpamBayes' spam_cutoff 0.9 as a logit; with the logistic component the combined logit's own cut.
    this.threshold = num('threshold', this.mode === 'bayes' ? Math.log(9) : DEFAULT_THRESHOLD);
  }

  async learn(msg: CorpusMessage, label: Label): Promise<void> {
    const prepared = this.model.prepare(parseMessageSafe(msg.raw));
    await this.model.learn(null, messageFingerprint(msg.raw), prepared, label);
    if (this.model.logistic && this.pending.length < 200_000) this.pending.push({ features: prepared.features, label });
  }

  finishTraining(): void {
    this.model.trainBatch(this.pending);
    this.pending.length = 0;
  }

  async score(msg: CorpusMessage): Promise<number> {
    const prepared = this.model.prepare(parseMessageSafe(msg.raw));
    const v = await this.model.classify(prepared, null);
    return this.mode === 'lr' ? (v.discriminative ?? v.logit) : v.logit;
  }
}

/** Default spam cut of the combined logit (see bench/eval/README.md for how it was chosen). */
export const DEFAULT_THRESHOLD = 1;
