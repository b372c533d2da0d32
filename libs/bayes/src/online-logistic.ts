/**
 * Online logistic regression (no bias term, class-balanced steps) over hashed binary features (the discriminative component; NOTES.md: across time it
 * generalised better than Robinson–Fisher on the SpamAssassin data, and averaging both better still). Features are
 * weighted 1/√n so long and short messages take comparable steps. Training is "on or near error": a message already
 * classified with a margin of at least `margin` (in logit units) does not move the weights (Sculley & Wachman 2007).
 *
 * With `views`, the top bit of a feature index names its view (features.ts `tokenFeatures`) and each view is a model
 * of its own sharing the weight array: its own 1/√n, its own on-or-near-error test and step; the score is the sum of
 * the views' logits. `maxWeight` bounds every weight (an L∞ constraint): no single token — a content header every
 * message of one corpus carries, a list footer's link — can outvote the rest of a message. Both were chosen for mail
 * of other sources and later mail (bench/eval/README.md, "Generalising").
 */
export interface LogisticOptions {
  readonly bits: number;
  readonly rate: number;
  readonly margin: number;
  /** Two views (words | structural tokens), by the top bit of the feature index (default false). */
  readonly views?: boolean;
  /** Bound on |weight| (default: none). */
  readonly maxWeight?: number;
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

  constructor(
    readonly options: LogisticOptions = DEFAULT_LOGISTIC,
    weights?: Float32Array,
  ) {
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
    for (let i = 0; i < out.length; i++)
      out[i] = (this.weights[i] as number) - (sums[i] as number) / this.ticks;
    return new OnlineLogistic(this.options, out);
  }

  /** The logit of spam: Σw/√n, or with views the sum of each view's Σw/√n. */
  score(features: Uint32Array): number {
    if (features.length === 0) return 0;
    const w = this.weights;
    if (!this.options.views) {
      let z = 0;
      for (let i = 0; i < features.length; i++) z += w[features[i] as number] as number;
      return z / Math.sqrt(features.length);
    }
    const top = this.top;
    let z0 = 0;
    let z1 = 0;
    let n1 = 0;
    for (let i = 0; i < features.length; i++) {
      const f = features[i] as number;
      if (f & top) {
        z1 += w[f] as number;
        n1++;
      } else z0 += w[f] as number;
    }
    const n0 = features.length - n1;
    return (n0 > 0 ? z0 / Math.sqrt(n0) : 0) + (n1 > 0 ? z1 / Math.sqrt(n1) : 0);
  }

  /** Top bit of a feature index: the structural view (with `views`). */
  private get top(): number {
    return 1 << (this.options.bits - 1);
  }

  /**
   * One stochastic gradient step on log-loss, if the message is misclassified or within the margin; true if it moved.
   * With views, each view takes that test and step on its own.
   */
  learn(features: Uint32Array, spam: boolean): boolean {
    if (spam) this.seenSpam++;
    else this.seenHam++;
    const t = this.ticks++;
    if (!this.options.views) return this.step(features, 0, features.length, spam, t);
    // tokenFeatures sorts, so the words' view comes first and the structural one after; anything else is sorted here
    const top = this.top;
    let split = 0;
    while (split < features.length && !((features[split] as number) & top)) split++;
    let rest = split;
    while (rest < features.length && (features[rest] as number) & top) rest++;
    const fs = rest === features.length ? features : Uint32Array.from(features).sort();
    if (fs !== features) {
      split = 0;
      while (split < fs.length && !((fs[split] as number) & top)) split++;
    }
    const a = this.step(fs, 0, split, spam, t);
    const b = this.step(fs, split, fs.length, spam, t);
    return a || b;
  }

  /** The step of one view: features[from, to), scored on their own. */
  private step(features: Uint32Array, from: number, to: number, spam: boolean, t: number): boolean {
    const n = to - from;
    if (n === 0) return false;
    const w = this.weights;
    let sum = 0;
    for (let i = from; i < to; i++) sum += w[features[i] as number] as number;
    const z = sum / Math.sqrt(n);
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
    const step = g / Math.sqrt(n);
    const sums = this.sums;
    const max = this.options.maxWeight ?? Number.POSITIVE_INFINITY;
    for (let i = from; i < to; i++) {
      const f = features[i] as number;
      const next = (w[f] as number) + step;
      w[f] = next > max ? max : next < -max ? -max : next;
      if (sums) sums[f] = (sums[f] as number) + t * step;
    }
    this.updates++;
    return true;
  }
}
