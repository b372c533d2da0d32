import { parseMessageSafe } from '@spamfilter/mail';
import type { CorpusMessage } from '../lib/corpus';
import type { Scorer } from './scorer';

interface NaturalClassification {
  label: string;
  value: number;
}
interface NaturalBayes {
  addDocument(text: string, label: string): void;
  train(): void;
  getClassifications(text: string): NaturalClassification[];
}

/**
 * Baseline: natural's BayesClassifier (deep import: `require('natural')` takes ~0.7 s and prints to stdout). It keeps
 * every document and its probabilities underflow, so it trains on at most `maxTrain` messages and reads the first
 * `maxChars` characters of subject + body; its score is ln P(spam) − ln P(ham) where it does not underflow.
 */
export class NaturalScorer implements Scorer {
  readonly name = 'natural';
  readonly threshold = 0;
  readonly notes: string[];
  private readonly classifier: NaturalBayes;
  private trained = 0;

  constructor(
    private readonly maxTrain = 1000,
    private readonly maxChars = 2000,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ctor = require('natural/lib/natural/classifiers/bayes_classifier') as new () => NaturalBayes;
    this.classifier = new Ctor();
    this.notes = [
      `natural: trained on at most ${maxTrain} messages (first ${maxChars} chars of subject + body each)`,
    ];
  }

  private text(msg: CorpusMessage): string {
    const p = parseMessageSafe(msg.raw);
    return `${p.subject ?? ''}\n${p.text}`.slice(0, this.maxChars);
  }

  learn(msg: CorpusMessage, label: 'spam' | 'ham'): void {
    if (this.trained >= this.maxTrain) return;
    this.trained++;
    this.classifier.addDocument(this.text(msg), label);
  }

  finishTraining(): void {
    this.classifier.train();
  }

  score(msg: CorpusMessage): number {
    const cls = this.classifier.getClassifications(this.text(msg));
    const spam = cls.find((c) => c.label === 'spam')?.value ?? 0;
    const ham = cls.find((c) => c.label === 'ham')?.value ?? 0;
    if (spam === 0 && ham === 0) return 0;
    return Math.log(spam || Number.MIN_VALUE) - Math.log(ham || Number.MIN_VALUE);
  }
}
