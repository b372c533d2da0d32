/**
 * Inverse chi-square (Fisher) tail probabilities in log space, for an even number of degrees of freedom 2n:
 *   Q(x; 2n) = e^{-m} Σ_{i<n} m^i / i!   and   P = 1 − Q = e^{-m} Σ_{i≥n} m^i / i!,   m = x/2.
 * Float arithmetic saturates Q at 0 or 1 for long messages, which ties scores and loses ranking; the log-sum-exp
 * form keeps both tails accurate (see NOTES.md).
 */
const LN_FACT: number[] = [0];
function lnFact(i: number): number {
  while (LN_FACT.length <= i)
    LN_FACT.push((LN_FACT[LN_FACT.length - 1] as number) + Math.log(LN_FACT.length));
  return LN_FACT[i] as number;
}

/** ln Σ_{i<n} m^i/i! — terms rise until i ≈ m, so the largest is at min(n−1, ⌊m⌋). */
function lnHeadSum(lnM: number, m: number, n: number): number {
  const peak = Math.min(n - 1, Math.floor(m));
  const max = peak * lnM - lnFact(peak);
  let sum = 0;
  for (let i = peak; i >= 0; i--) {
    const d = i * lnM - lnFact(i) - max;
    if (d < -40) break;
    sum += Math.exp(d);
  }
  for (let i = peak + 1; i < n; i++) {
    const d = i * lnM - lnFact(i) - max;
    if (d < -40) break;
    sum += Math.exp(d);
  }
  return max + Math.log(sum);
}

/** ln Σ_{i≥n} m^i/i! — the largest term is at max(n, ⌊m⌋). */
function lnTailSum(lnM: number, m: number, n: number): number {
  const peak = Math.max(n, Math.floor(m));
  const max = peak * lnM - lnFact(peak);
  let sum = 0;
  for (let i = peak; i >= n; i--) {
    const d = i * lnM - lnFact(i) - max;
    if (d < -40) break;
    sum += Math.exp(d);
  }
  for (let i = peak + 1; ; i++) {
    const d = i * lnM - lnFact(i) - max;
    if (d < -40) break;
    sum += Math.exp(d);
  }
  return max + Math.log(sum);
}

/** ln Q(x; 2n), the upper tail. */
export function lnChi2Q(x: number, n: number): number {
  if (n <= 0) return 0;
  const m = x / 2;
  if (m <= 0) return 0;
  return Math.min(0, -m + lnHeadSum(Math.log(m), m, n));
}

/** ln (1 − Q(x; 2n)), the lower tail. */
export function lnChi2P(x: number, n: number): number {
  if (n <= 0) return -Infinity;
  const m = x / 2;
  if (m <= 0) return -Infinity;
  return Math.min(0, -m + lnTailSum(Math.log(m), m, n));
}

/** ln(e^a + e^b). */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const max = Math.max(a, b);
  return max + Math.log(Math.exp(a - max) + Math.exp(b - max));
}
