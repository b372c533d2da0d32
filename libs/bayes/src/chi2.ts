/**
 * Inverse chi-square (Fisher) tail probabilities in log space, for an even number of degrees of freedom 2n:
 *   Q(x; 2n) = e^{-m} Σ_{i<n} m^i / i!   and   P = 1 − Q = e^{-m} Σ_{i≥n} m^i / i!,   m = x/2.
 * Float arithmetic saturates Q at 0 or 1 for long messages, which ties scores and loses ranking; the log-sum-exp
 * form keeps both tails exact to a few ulps (see NOTES.md).
 */
const LN_FACT: number[] = [0];
function lnFact(i: number): number {
  while (LN_FACT.length <= i) LN_FACT.push((LN_FACT[LN_FACT.length - 1] as number) + Math.log(LN_FACT.length));
  return LN_FACT[i] as number;
}

function logSumExpTerms(lnM: number, from: number, to: number): number {
  // terms t_i = i ln m − ln i!, summed for i in [from, to)
  let max = -Infinity;
  for (let i = from; i < to; i++) {
    const t = i * lnM - lnFact(i);
    if (t > max) max = t;
  }
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = from; i < to; i++) sum += Math.exp(i * lnM - lnFact(i) - max);
  return max + Math.log(sum);
}

/** ln Q(x; 2n), the upper tail. */
export function lnChi2Q(x: number, n: number): number {
  if (n <= 0) return 0;
  const m = x / 2;
  if (m <= 0) return 0;
  return Math.min(0, -m + logSumExpTerms(Math.log(m), 0, n));
}

/** ln (1 − Q(x; 2n)), the lower tail. */
export function lnChi2P(x: number, n: number): number {
  if (n <= 0) return -Infinity;
  const m = x / 2;
  if (m <= 0) return -Infinity;
  // terms peak near i = m; beyond m + 12√m + 40 they are negligible in double precision
  const end = Math.max(n, Math.ceil(m + 12 * Math.sqrt(m) + 40));
  return Math.min(0, -m + logSumExpTerms(Math.log(m), n, end + 1));
}

/** ln(e^a + e^b). */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const max = Math.max(a, b);
  return max + Math.log(Math.exp(a - max) + Math.exp(b - max));
}
