import { lnChi2P, lnChi2Q } from './chi2';
import { fisherCombine, robinsonF, selectSignificant, tokenRatio } from './robinson-fisher';

describe('Robinson–Fisher', () => {
  it("computes Robinson's f(w) by hand", () => {
    // 3 of 10 spam, 1 of 20 ham: p = 0.3 / (0.3 + 0.05) = 0.857142…; f = (0.45·0.5 + 4·p) / 4.45
    expect(tokenRatio(3, 1, 10, 20)).toBeCloseTo(0.3 / 0.35, 12);
    expect(robinsonF(3, 1, 10, 20, 0.45, 0.5)).toBeCloseTo((0.225 + 4 * (0.3 / 0.35)) / 4.45, 12);
    expect(robinsonF(0, 0, 10, 20, 0.45, 0.5)).toBe(0.5);
    // one class never trained still points the right way
    expect(tokenRatio(1, 0, 1, 0)).toBe(1);
  });

  it('matches closed-form chi-square tails', () => {
    // 2 degrees of freedom: Q(x; 2) = e^{−x/2}
    expect(Math.exp(lnChi2Q(3, 1))).toBeCloseTo(Math.exp(-1.5), 12);
    // 4 degrees of freedom: Q = e^{−m}(1 + m)
    const m = 2.5;
    expect(Math.exp(lnChi2Q(2 * m, 2))).toBeCloseTo(Math.exp(-m) * (1 + m), 12);
    expect(Math.exp(lnChi2P(2 * m, 2))).toBeCloseTo(1 - Math.exp(-m) * (1 + m), 12);
    // far tails stay finite in log space where floats give 0 and 1
    expect(lnChi2Q(3000, 150)).toBeLessThan(-500);
    expect(Number.isFinite(lnChi2P(0.01, 150))).toBe(true);
    expect(lnChi2P(0.01, 150)).toBeLessThan(-700);
  });

  it('combines with Fisher as hand-computed', () => {
    // one token: H = 1 − 0.9, S = 1 − 0.1 → (S − H + 1)/2 = 0.9
    expect(fisherCombine([0.9]).score).toBeCloseTo(0.9, 12);
    // two tokens 0.9, 0.8: Qh = 0.72(1 − ln 0.72), Qs = 0.02(1 − ln 0.02), score = (1 + Qh − Qs)/2
    const qh = 0.72 * (1 - Math.log(0.72));
    const qs = 0.02 * (1 - Math.log(0.02));
    const expected = (1 + qh - qs) / 2;
    const r = fisherCombine([0.9, 0.8]);
    expect(r.score).toBeCloseTo(expected, 12);
    expect(r.logit).toBeCloseTo(Math.log(expected / (1 - expected)), 10);
    expect(fisherCombine([]).score).toBe(0.5);
    expect(fisherCombine([0.5, 0.5]).score).toBeCloseTo(0.5, 12);
  });

  it('keeps ranking where float scores saturate', () => {
    const strong = fisherCombine(new Array(150).fill(0.99));
    const stronger = fisherCombine(new Array(150).fill(0.999));
    expect(strong.score).toBe(1);
    expect(stronger.logit).toBeGreaterThan(strong.logit);
    expect(Number.isFinite(stronger.logit)).toBe(true);
    const hammy = fisherCombine(new Array(150).fill(0.01));
    expect(hammy.logit).toBeCloseTo(-strong.logit, 6);
  });

  it('selects the most significant tokens only', () => {
    const fs = Float64Array.from([0.5, 0.55, 0.99, 0.01, 0.7, 0.35]);
    expect(selectSignificant(fs, 0.1, 10).sort()).toEqual([2, 3, 4, 5]);
    expect(selectSignificant(fs, 0.1, 2).sort()).toEqual([2, 3]);
  });
});
