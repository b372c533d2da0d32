import type { Label } from './bayes-store';
import type { ModelChangeEvent } from '@spamfilter/domain';
import { BayesDeltaSum, ModelChangeApplier, type BayesDeltaTarget } from './model-change';

class CountingTarget implements BayesDeltaTarget {
  readonly counts = new Map<string, number>();
  readonly dropped: string[] = [];
  applyDelta(scope: string, tokens: Uint32Array, label: Label, delta: 1 | -1): void {
    const k = `${scope}|${label}|total`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + delta);
    for (const t of tokens)
      this.counts.set(`${scope}|${label}|${t}`, (this.counts.get(`${scope}|${label}|${t}`) ?? 0) + delta);
  }
  applyCounts(
    scope: string,
    c: {
      spam: number;
      ham: number;
      tokens: readonly number[];
      tokenSpam: readonly number[];
      tokenHam: readonly number[];
    },
  ): void {
    const add = (k: string, d: number): void => void this.counts.set(k, (this.counts.get(k) ?? 0) + d);
    add(`${scope}|spam|total`, c.spam);
    add(`${scope}|ham|total`, c.ham);
    c.tokens.forEach((t, i) => {
      add(`${scope}|spam|${t}`, c.tokenSpam[i] as number);
      add(`${scope}|ham|${t}`, c.tokenHam[i] as number);
    });
  }
  dropScope(scope: string): void {
    this.dropped.push(scope);
  }
}

const delta = (version: number, spam: -1 | 0 | 1, ham: -1 | 0 | 1): ModelChangeEvent => ({
  eventId: `e${version}`,
  kind: 'bayes',
  userId: 'u1',
  version,
  occurredAt: new Date(0).toISOString(),
  payload: { tokens: [7, 9], spam, ham },
});

describe('ModelChangeApplier', () => {
  it('applies the next version, ignores repeats and old ones', () => {
    const t = new CountingTarget();
    const a = new ModelChangeApplier(t);
    a.loaded('user:u1', 3);
    expect(a.apply(delta(4, 1, 0))).toBe('applied');
    expect(a.apply(delta(4, 1, 0))).toBe('stale');
    expect(a.apply(delta(2, 1, 0))).toBe('stale');
    expect(t.counts.get('user:u1|spam|7')).toBe(1);
    expect(t.counts.get('user:u1|spam|total')).toBe(1);
    // a correction moves the message from spam to ham
    expect(a.apply(delta(5, -1, 1))).toBe('applied');
    expect(t.counts.get('user:u1|spam|9')).toBe(0);
    expect(t.counts.get('user:u1|ham|9')).toBe(1);
    expect(a.versionOf('user:u1')).toBe(5);
  });

  it('drops the scope for reload on a gap', () => {
    const t = new CountingTarget();
    const a = new ModelChangeApplier(t);
    a.loaded('user:u1', 1);
    expect(a.apply(delta(3, 1, 0))).toBe('reload');
    expect(t.dropped).toEqual(['user:u1']);
    expect(t.counts.size).toBe(0);
    expect(a.versionOf('user:u1')).toBeUndefined();
  });

  it('ignores other kinds and malformed payloads', () => {
    const t = new CountingTarget();
    const a = new ModelChangeApplier(t);
    a.loaded('user:u1', 0);
    expect(a.apply({ ...delta(1, 1, 0), kind: 'lists' })).toBe('ignored');
    expect(a.apply({ ...delta(1, 1, 0), payload: { tokens: [1], spam: 2, ham: 0 } })).toBe('ignored');
    expect(a.versionOf('user:u1')).toBe(0);
  });

  it('applies a per-batch change: the net per-token counts of its trainings and untrainings', () => {
    const sum = new BayesDeltaSum();
    sum.add([7, 9, 9], 'spam', 1); // a token counts once per message
    sum.add([9, 11], 'spam', 1);
    sum.add([7, 9], 'spam', -1); // an undo inside the batch
    sum.add([7, 13], 'ham', 1);
    const payload = sum.payload();
    expect(payload).toEqual({
      tokens: [7, 9, 11, 13],
      spam: 1,
      ham: 1,
      tokenSpam: [0, 1, 1, 0],
      tokenHam: [1, 0, 0, 1],
    });
    const t = new CountingTarget();
    const a = new ModelChangeApplier(t);
    a.loaded('user:u1', 0);
    expect(a.apply({ ...delta(1, 1, 0), payload: { ...payload } })).toBe('applied');
    expect(t.counts.get('user:u1|spam|9')).toBe(1);
    expect(t.counts.get('user:u1|ham|7')).toBe(1);
    expect(t.counts.get('user:u1|spam|total')).toBe(1);
    // counts that do not line up with the tokens are refused
    expect(a.apply({ ...delta(2, 1, 0), payload: { ...payload, tokenHam: [1] } })).toBe('ignored');
  });

  it('ignores scopes it never loaded', () => {
    const t = new CountingTarget();
    expect(new ModelChangeApplier(t).apply(delta(1, 1, 0))).toBe('stale');
    expect(t.counts.size).toBe(0);
  });
});
