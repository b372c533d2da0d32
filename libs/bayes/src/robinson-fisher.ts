import { lnChi2P, lnChi2Q, logAddExp } from './chi2';

/** Parameters of Robinson's per-token probability and Fisher's combining (SpamBayes' defaults). */
export interface RobinsonFisherOptions {
  /** s: strength of the prior, in messages. */
  readonly strength: number;
  /** x: probability assumed for a token never seen. */
  readonly prior: number;
  /** Tokens with |f − 0.5| below this are ignored. */
  readonly minDev: number;
  /** At most this many of the most significant tokens are combined. */
  readonly maxTokens: number;
}

export const DEFAULT_ROBINSON_FISHER: RobinsonFisherOptions = {
  strength: 0.45,
  prior: 0.5,
  minDev: 0.1,
  maxTokens: 150,
};

/**
 * Graham's ratio p(w) = (s/S) / (s/S + h/H), with per-class frequencies (message counts S and H of the scope).
 * An empty class counts as one message so a scope trained on one class only still gives a direction.
 */
export function tokenRatio(spam: number, ham: number, nSpam: number, nHam: number): number {
  const ps = spam / Math.max(nSpam, 1);
  const ph = ham / Math.max(nHam, 1);
  return ps + ph === 0 ? 0.5 : ps / (ps + ph);
}

/** Robinson's f(w) = (s·x + n·p(w)) / (s + n), n = messages the token was seen in. */
export function robinsonF(
  spam: number,
  ham: number,
  nSpam: number,
  nHam: number,
  strength: number,
  prior: number,
): number {
  const n = spam + ham;
  if (n === 0) return prior;
  return (strength * prior + n * tokenRatio(spam, ham, nSpam, nHam)) / (strength + n);
}

export interface FisherResult {
  /** Spam probability in [0,1] (SpamBayes' (S − H + 1) / 2). */
  readonly score: number;
  /** ln(score / (1 − score)), computed in log space so it does not saturate where `score` rounds to 0 or 1. */
  readonly logit: number;
}

const LN2 = Math.log(2);
const F_MIN = 1e-6;

/**
 * Fisher's inverse chi-square combining of token probabilities (Robinson 2003; SpamBayes chi2_spamprob):
 * H = 1 − C⁻¹(−2 Σ ln f, 2n), S = 1 − C⁻¹(−2 Σ ln(1 − f), 2n), score = (1 + S − H) / 2.
 * With Qh = C⁻¹(…f…) and Qs = C⁻¹(…1 − f…): score = (Qh + (1 − Qs)) / 2 and 1 − score = ((1 − Qh) + Qs) / 2,
 * both evaluated with log-space tails.
 */
export function fisherCombine(probs: ArrayLike<number>): FisherResult {
  const n = probs.length;
  if (n === 0) return { score: 0.5, logit: 0 };
  let sumLnF = 0;
  let sumLn1F = 0;
  for (let i = 0; i < n; i++) {
    const f = Math.min(1 - F_MIN, Math.max(F_MIN, probs[i] as number));
    sumLnF += Math.log(f);
    sumLn1F += Math.log(1 - f);
  }
  const lnQh = lnChi2Q(-2 * sumLnF, n);
  const lnPh = lnChi2P(-2 * sumLnF, n);
  const lnQs = lnChi2Q(-2 * sumLn1F, n);
  const lnPs = lnChi2P(-2 * sumLn1F, n);
  const lnSpam = logAddExp(lnQh, lnPs) - LN2;
  const lnHam = logAddExp(lnPh, lnQs) - LN2;
  const logit = lnSpam - lnHam;
  return { score: 1 / (1 + Math.exp(-logit)), logit };
}

/** Indices of the significant tokens: |f − 0.5| ≥ minDev, the `maxTokens` largest deviations. */
export function selectSignificant(fs: Float64Array, minDev: number, maxTokens: number): number[] {
  const idx: number[] = [];
  const dev = new Float64Array(fs.length);
  for (let i = 0; i < fs.length; i++) {
    const d = Math.abs((fs[i] as number) - 0.5);
    dev[i] = d;
    if (d >= minDev) idx.push(i);
  }
  if (idx.length > maxTokens) {
    idx.sort((a, b) => (dev[b] as number) - (dev[a] as number) || a - b);
    idx.length = maxTokens;
  }
  return idx;
}
