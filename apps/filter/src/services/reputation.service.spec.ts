import { ReputationService } from './reputation.service';

describe('ReputationService', () => {
  it('keeps per IP, per /24 and per sender domain counts that halve every half-life', () => {
    let now = 0;
    const r = new ReputationService({ halfLifeHours: 1, maxEntries: 100, now: () => now });
    r.record('198.51.100.7', 'spam.example', 'spam', 8);
    expect(r.get('ip:198.51.100.7')?.spam).toBe(8);
    expect(r.get('net:198.51.100.0/24')?.spam).toBe(8);
    expect(r.get('domain:spam.example')?.spam).toBe(8);
    now += 3600_000;
    expect(r.get('ip:198.51.100.7')?.spam).toBeCloseTo(4, 5);
    r.record('198.51.100.8', null, 'ham', 1);
    expect(r.get('net:198.51.100.0/24')).toMatchObject({ ham: 1 });
    expect(r.get('net:198.51.100.0/24')?.spam).toBeCloseTo(4, 5);
    expect(
      r
        .takeDirty()
        .map((x) => x.key)
        .sort(),
    ).toEqual(['domain:spam.example', 'ip:198.51.100.7', 'ip:198.51.100.8', 'net:198.51.100.0/24']);
    expect(r.takeDirty()).toEqual([]);
  });

  it('stays bounded, evicting the entries with least evidence', () => {
    const r = new ReputationService({ halfLifeHours: 1, maxEntries: 10, now: () => 0 });
    for (let i = 0; i < 50; i++) r.record(`10.0.${i}.1`, null, 'spam', i);
    expect(r.size).toBeLessThanOrEqual(10);
    expect(r.get('ip:10.0.49.1')).toBeDefined();
  });

  it('learns from its own verdicts only what it is sure of (REPUTATION_SELF_SPAM_SCORE)', () => {
    const r = new ReputationService({ halfLifeHours: 1, maxEntries: 10, selfSpamScore: 6, now: () => 0 });
    expect(r.selfLabel('tag', 2.5)).toBeNull(); // just over the tag threshold: as likely the model's mistake
    expect(r.selfLabel('tag', 6)).toBe('spam');
    expect(r.selfLabel('reject', 15)).toBe('spam');
    expect(r.selfLabel('accept', 0.5)).toBe('ham');
    expect(r.selfLabel('accept', 1.5)).toBeNull();
    expect(r.selfLabel('greylist', 0)).toBeNull();
    const every = new ReputationService({ halfLifeHours: 1, maxEntries: 10, now: () => 0 });
    expect(every.selfLabel('tag', 2.5)).toBe('spam');
  });
});
