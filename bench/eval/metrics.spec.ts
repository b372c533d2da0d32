import { splitEntries, type CorpusEntry } from '../lib/corpus';
import { auc, aucStdErr, ratesAt, recallAtFpr, thresholdAtFpr } from './metrics';
import { parseArgs } from './eval';

const s = (score: number, spam: boolean) => ({ score, spam });

describe('eval metrics', () => {
  it('computes AUC with ties as half', () => {
    expect(auc([s(1, false), s(2, true)])).toBe(1);
    expect(auc([s(2, false), s(1, true)])).toBe(0);
    expect(auc([s(1, false), s(1, true)])).toBe(0.5);
    // 2 ham × 2 spam: pairs (h0.1,s0.4) ok, (h0.1,s0.9) ok, (h0.5,s0.4) wrong, (h0.5,s0.9) ok → 3/4
    expect(auc([s(0.1, false), s(0.5, false), s(0.4, true), s(0.9, true)])).toBe(0.75);
  });

  it('gives FPR/FNR at a threshold and recall at a false-positive budget', () => {
    const items = [
      s(0.1, false),
      s(0.2, false),
      s(0.3, false),
      s(0.95, false),
      s(0.5, true),
      s(0.9, true),
      s(0.99, true),
      s(0.05, true),
    ];
    expect(ratesAt(items, 0.5)).toEqual({ fpr: 0.25, fnr: 0.25 });
    // no false positive allowed among 4 ham: cut above 0.95 → only 0.99 is caught
    expect(recallAtFpr(items, 0.001)).toBe(0.25);
    // one of 4 ham allowed (25%): cut above 0.3 → 0.5, 0.9, 0.99
    expect(recallAtFpr(items, 0.25)).toBe(0.75);
  });

  it("gives Hanley and McNeil's standard error of an AUC", () => {
    // A = 0.9 with 50 spam and 50 ham: Q1 = 0.9/1.1 = 0.8182, Q2 = 1.62/1.9 = 0.8526,
    // SE² = (0.09 + 49·(0.8182 − 0.81) + 49·(0.8526 − 0.81)) / 2500 → SE = 0.0321 (worked by hand)
    expect(aucStdErr(0.9, 50, 50)).toBeCloseTo(0.0321, 4);
    // more messages, less noise; a perfect ranking has none
    expect(aucStdErr(0.99, 500, 5000)).toBeLessThan(aucStdErr(0.99, 50, 500));
    expect(aucStdErr(1, 10, 10)).toBe(0);
    expect(aucStdErr(0.9, 0, 10)).toBeNaN();
  });

  it('puts a threshold at a false-positive budget that lets no more ham through', () => {
    const items = [
      s(0.1, false),
      s(0.2, false),
      s(0.3, false),
      s(0.95, false),
      s(0.5, true),
      s(0.9, true),
      s(0.99, true),
    ];
    // no ham allowed: above the top ham
    const t0 = thresholdAtFpr(items, 0);
    expect(t0).toBeGreaterThan(0.95);
    expect(ratesAt(items, t0)).toEqual({ fpr: 0, fnr: 2 / 3 });
    // one of 4 allowed: just above the second ham, so 0.5 and 0.9 count as spam
    const t1 = thresholdAtFpr(items, 0.25);
    expect(t1).toBeGreaterThan(0.3);
    expect(t1).toBeLessThan(0.31);
    expect(ratesAt(items, t1)).toEqual({ fpr: 0.25, fnr: 0 });
  });

  it('splits stratified by seed, or by arrival order', () => {
    const entries: CorpusEntry[] = Array.from({ length: 100 }, (_, i) => ({
      label: i % 4 === 0 ? 'spam' : 'ham',
      path: `m${i}`,
      order: i,
    }));
    const a = splitEntries(entries, 0.6, 'random', 1);
    expect(a.train.filter((e) => e.label === 'spam')).toHaveLength(15);
    expect(a.train.filter((e) => e.label === 'ham')).toHaveLength(45);
    expect(splitEntries(entries, 0.6, 'random', 1).train).toEqual(a.train);
    expect(a.train.map((e) => e.order)).not.toEqual([...a.train.map((e) => e.order)].sort((x, y) => x - y));
    expect(splitEntries(entries, 0.6, 'random', 2).train).not.toEqual(a.train);
    const t = splitEntries(entries, 0.6, 'time');
    expect(t.train.map((e) => e.order)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('parses the documented command line', () => {
    const a = parseArgs([
      '--train',
      'd',
      '--split',
      '0.6',
      '--seed',
      '3',
      '--online',
      '--headers',
      'all',
      '--json',
    ]);
    expect(a).toMatchObject({
      train: 'd',
      split: 0.6,
      seed: 3,
      online: true,
      headers: 'all',
      json: true,
      splitOrder: 'random',
    });
    expect(parseArgs(['--train', 'd', '--train-fraction', '0.6']).splitOrder).toBe('time');
    expect(() => parseArgs(['--train', 'd'])).toThrow(/--test DIR or --split/);
    expect(() => parseArgs(['--train', 'd', '--split', '1.5'])).toThrow();
  });
});
