import { autoBlockDecision, computeStanding, isSpamVerdict } from './outbound-standing';

describe('computeStanding', () => {
  it('is spotless without spam or complaints and falls with each', () => {
    expect(computeStanding({ spamVerdicts: 0, complaints: 0 }, 2)).toEqual({
      score: 100,
      level: 'good',
      penalty: 0,
    });
    expect(computeStanding({ spamVerdicts: 1, complaints: 0 }, 2)).toEqual({
      score: 90,
      level: 'good',
      penalty: 1,
    });
    expect(computeStanding({ spamVerdicts: 0, complaints: 1 }, 2)).toEqual({
      score: 80,
      level: 'warn',
      penalty: 2,
    });
    expect(computeStanding({ spamVerdicts: 3, complaints: 1 }, 2).level).toBe('poor');
    expect(computeStanding({ spamVerdicts: 50, complaints: 9 }, 2).score).toBe(0);
  });

  it('weighs a complaint as configured', () => {
    expect(computeStanding({ spamVerdicts: 0, complaints: 1 }, 5).score).toBe(50);
    expect(computeStanding({ spamVerdicts: 0, complaints: 1 }, 0).score).toBe(100);
  });
});

describe('autoBlockDecision', () => {
  const base = { status: 'active' as const, threshold: 5, windowMs: 600_000 };
  it('blocks at exactly the threshold, not one before', () => {
    expect(autoBlockDecision({ ...base, recentSpam: 4 })).toEqual({ block: false });
    const d = autoBlockDecision({ ...base, recentSpam: 5 });
    expect(d.block).toBe(true);
    expect(d.block && d.reason).toBe('automatic: 5 spam verdicts within 10 minutes (threshold 5)');
  });
  it('never blocks twice and never when switched off', () => {
    expect(autoBlockDecision({ ...base, status: 'blocked', recentSpam: 9 }).block).toBe(false);
    expect(autoBlockDecision({ ...base, threshold: 0, recentSpam: 99 }).block).toBe(false);
  });
  it('counts hold and reject as spam verdicts, not defers', () => {
    expect(['accept', 'hold', 'reject', 'defer', 'block'].filter(isSpamVerdict)).toEqual(['hold', 'reject']);
  });
});
