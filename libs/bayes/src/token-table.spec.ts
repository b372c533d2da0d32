import { TokenTable } from './token-table';

describe('TokenTable', () => {
  it('behaves like a Map under random adds, removals and growth', () => {
    const t = new TokenTable(4);
    const ref = new Map<number, [number, number]>();
    let seed = 12345;
    const rnd = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
    for (let step = 0; step < 60_000; step++) {
      const key = rnd() % 3000 === 0 ? 0 : ((rnd() % 2000) * 2654435761) >>> 0; // include 0 and ids ≥ 2^31
      const spam = rnd() % 2 === 0;
      const delta = rnd() % 3 === 0 ? -1 : 1;
      t.add(key, spam ? delta : 0, spam ? 0 : delta, step);
      const cur = ref.get(key) ?? [0, 0];
      const next: [number, number] = [
        Math.max(0, cur[0] + (spam ? delta : 0)),
        Math.max(0, cur[1] + (spam ? 0 : delta)),
      ];
      if (next[0] === 0 && next[1] === 0) ref.delete(key);
      else ref.set(key, next);
    }
    expect(t.size).toBe(ref.size);
    for (const [k, [s, h]] of ref) {
      const slot = t.find(k);
      expect(slot).toBeGreaterThanOrEqual(0);
      expect([t.spam(slot), t.ham(slot)]).toEqual([s, h]);
    }
    expect(t.find(123456789)).toBe(-1);
    const removed = t.deleteWhere((s, h) => s + h <= 1);
    let expected = 0;
    for (const [k, [s, h]] of ref)
      if (s + h <= 1) {
        expected++;
        ref.delete(k);
      }
    expect(removed).toBe(expected);
    expect(t.size).toBe(ref.size);
    for (const k of ref.keys()) expect(t.find(k)).toBeGreaterThanOrEqual(0);
  });
});
