/**
 * Online logistic regression (no bias term, class-balanced steps) over hashed binary features (the discriminative component; NOTES.md: across time it
 * generalised better than Robinson–Fisher on the SpamAssassin data, and averaging both better still). Features are
 * weighted 1/√n so long and short messages take comparable steps. Training is "on or near error": a message already
 * classified with a margin of at least `margin` (in logit units) does not move the weights (Sculley & Wachman 2007).
 */
export interface LogisticOptions {
  readonly bits: number;
  readonly rate: number;
  readonly margin: number;
}

export const DEFAULT_LOGISTIC: LogisticOptions = { bits: 20, rate: 1, margin: 3 };

export class OnlineLogistic {
  readonly weights: Float32Array;
  updates = 0;
  /** Messages seen per class, for class-balanced steps. */
  seenSpam = 0;
  seenHam = 0;

  constructor(readonly options: LogisticOptions = DEFAULT_LOGISTIC, weights?: Float32Array) {
    this.weights = weights ?? new Float32Array(1 << options.bits);
  }

  /** The logit of spam. */
  score(features: Uint32Array): number {
    if (features.length === 0) return 0;
    const w = this.weights;
    let z = 0;
    for (let i = 0; i < features.length; i++) z += w[features[i] as number] as number;
    return z / Math.sqrt(features.length);
  }

  /** One stochastic gradient step on log-loss, if the message is misclassified or within the margin; true if it moved. */
  learn(features: Uint32Array, spam: boolean): boolean {
    if (spam) this.seenSpam++;
    else this.seenHam++;
    const z = this.score(features);
    const y = spam ? 1 : -1;
    if (y * z >= this.options.margin) return false;
    const p = 1 / (1 + Math.exp(-z));
    // Class-balanced step and no bias: the logit does not drift with the spam:ham ratio of the training stream
    // (Enron's users receive 2–5 spam per ham; unbalanced, the default threshold gave 4–23% false positives there).
    const seen = spam ? this.seenSpam : this.seenHam;
    const balance = Math.min(10, (this.seenSpam + this.seenHam) / (2 * seen));
    const g = this.options.rate * balance * ((spam ? 1 : 0) - p);
    const step = features.length > 0 ? g / Math.sqrt(features.length) : 0;
    const w = this.weights;
    for (let i = 0; i < features.length; i++) {
      const f = features[i] as number;
      w[f] = (w[f] as number) + step;
    }
    this.updates++;
    return true;
  }
}
