import { BayesClassifier, DEFAULT_BAYES, DEFAULT_TOKENIZER, MemoryBayesStore, messageFingerprint, tokenize, type TokenizerOptions } from '@spamfilter/bayes';
import { parseMessageSafe } from '@spamfilter/mail';
import type { CorpusMessage } from '../lib/corpus';
import type { Scorer, ScorerOptions } from './scorer';

/** The product's Bayes model (global scope, in-memory store): parse → tokenize → Robinson–Fisher. Scores are logits. */
export class BayesScorer implements Scorer {
  readonly name = 'bayes';
  readonly threshold: number;
  private readonly store = new MemoryBayesStore();
  private readonly model: BayesClassifier;
  private readonly tokenizer: TokenizerOptions;

  constructor(opts: ScorerOptions) {
    const num = (k: string, d: number): number => (opts.opts.has(k) ? Number(opts.opts.get(k)) : d);
    this.tokenizer = { ...DEFAULT_TOKENIZER, headers: opts.headers, osbWindow: num('osb', DEFAULT_TOKENIZER.osbWindow) };
    this.model = new BayesClassifier(this.store, {
      ...DEFAULT_BAYES,
      strength: num('s', DEFAULT_BAYES.strength),
      minDev: num('minDev', DEFAULT_BAYES.minDev),
      maxTokens: num('maxTokens', DEFAULT_BAYES.maxTokens),
    });
    // Spam at Bayes probability ≥ 0.9 (SpamBayes' spam_cutoff), as a logit.
    this.threshold = num('threshold', Math.log(0.9 / 0.1));
  }

  async learn(msg: CorpusMessage, label: 'spam' | 'ham'): Promise<void> {
    const tokens = tokenize(parseMessageSafe(msg.raw), this.tokenizer);
    await this.model.learn(null, messageFingerprint(msg.raw), tokens, label);
  }

  async score(msg: CorpusMessage): Promise<number> {
    const tokens = tokenize(parseMessageSafe(msg.raw), this.tokenizer);
    return (await this.model.classify(tokens, null)).logit;
  }
}
