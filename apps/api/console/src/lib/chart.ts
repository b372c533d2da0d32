/** A round upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** `count` + 1 evenly spaced ticks from 0 to `max`. */
export function ticks(max: number, count = 4): number[] {
  return Array.from({ length: count + 1 }, (_, i) => (max * i) / count);
}

export interface Segment<K extends string> {
  readonly key: K;
  readonly from: number;
  readonly to: number;
}

/** Stacks one bucket's values in key order: each segment's [from, to) along the value axis; zeros are left out. */
export function stack<K extends string>(
  values: Readonly<Record<K, number>>,
  keys: readonly K[],
): Segment<K>[] {
  let at = 0;
  const out: Segment<K>[] = [];
  for (const key of keys) {
    const v = values[key] ?? 0;
    if (v <= 0) continue;
    out.push({ key, from: at, to: at + v });
    at += v;
  }
  return out;
}

export function total<K extends string>(values: Readonly<Record<K, number>>, keys: readonly K[]): number {
  return keys.reduce((s, k) => s + (values[k] ?? 0), 0);
}

/** A short label for an axis tick: 1200 → 1.2k. */
export function shortNumber(n: number): string {
  if (Math.abs(n) >= 1_000_000) return `${+(n / 1_000_000).toFixed(1)}M`;
  if (Math.abs(n) >= 1000) return `${+(n / 1000).toFixed(1)}k`;
  return String(+n.toFixed(1));
}

/** An axis for counts: a round maximum (at least 4) split into whole-number steps (4 or 5 of them). */
export function countAxis(max: number): { max: number; steps: number } {
  const top = Math.max(4, niceMax(max));
  return { max: top, steps: top % 4 === 0 ? 4 : 5 };
}
