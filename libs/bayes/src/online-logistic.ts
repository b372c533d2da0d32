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
  /*
   * Experiments (bench/eval `--opt`, bench/eval/README.md "Tried on 2026-11-23"); not configuration keys, and not recorded in a
   * snapshot's LogisticModelConfig, so the deployed model never sets them.
   */
  /** Margin of ham examples (default `margin`): a wider one keeps pushing ham down after spam has stopped. */
  readonly hamMargin?: number;
  /** Cost of a ham example relative to a spam one, multiplying its step (default 1; cost-sensitive training). */
  readonly hamWeight?: number;
  /** `trainLogistic` returns the weights averaged over every training step (averaged perceptron; default false). */
  readonly average?: boolean;
}

export const DEFAULT_LOGISTIC: LogisticOptions = { bits: 20, rate: 1, margin: 3 };

export class OnlineLogistic {
  readonly weights: Float32Array;
  updates = 0;
  /** Messages seen per class, for class-balanced steps. */
  seenSpam = 0;
  seenHam = 0;
  /** Σ t·step per weight over the steps t = 0, 1, … (each `learn` call is a step), for `averaged` (null: off). */
  private readonly sums: Float64Array | null;
  private ticks = 0;

  constructor(readonly options: LogisticOptions = DEFAULT_LOGISTIC, weights?: Float32Array) {
    this.weights = weights ?? new Float32Array(1 << options.bits);
    this.sums = options.average && !weights ? new Float64Array(1 << options.bits) : null;
  }

  /**
   * The mean of the weights after each step so far, w − Σ t·step / T (Freund & Schapire's averaged perceptron, with
   * the sum kept incrementally as in Daumé's thesis); itself when not averaging.
   */
  averaged(): OnlineLogistic {
    const sums = this.sums;
    if (!sums || this.ticks === 0) return this;
    const out = new Float32Array(this.weights.length);
    for (let i = 0; i < out.length; i++) out[i] = (this.weights[i] as number) - (sums[i] as number) / this.ticks;
    return new OnlineLogistic(this.options, out);
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
    const t = this.ticks++;
    const z = this.score(features);
    const y = spam ? 1 : -1;
    const margin = spam ? this.options.margin : (this.options.hamMargin ?? this.options.margin);
    if (y * z >= margin) return false;
    const p = 1 / (1 + Math.exp(-z));
    // Class-balanced step and no bias: the logit does not drift with the spam:ham ratio of the training stream
    // (Enron's users receive 2–5 spam per ham; unbalanced, the default threshold gave 4–23% false positives there).
    const seen = spam ? this.seenSpam : this.seenHam;
    const balance = Math.min(10, (this.seenSpam + this.seenHam) / (2 * seen));
    const cost = spam ? 1 : (this.options.hamWeight ?? 1);
    const g = this.options.rate * cost * balance * ((spam ? 1 : 0) - p);
    const step = features.length > 0 ? g / Math.sqrt(features.length) : 0;
    const w = this.weights;
    const sums = this.sums;
    for (let i = 0; i < features.length; i++) {
      const f = features[i] as number;
      w[f] = (w[f] as number) + step;
      if (sums) sums[f] = (sums[f] as number) + t * step;
    }
    this.updates++;
    return true;
  }
}
