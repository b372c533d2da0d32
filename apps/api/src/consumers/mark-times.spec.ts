import { markedAtFor, oldestMarks } from './mark-times';

describe('oldestMarks', () => {
  const t = (s: number): string => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();

  it("gives a user's layer that user's oldest mark and the global layer the batch's oldest", () => {
    const times = oldestMarks([
      { userId: 'alice', occurredAt: t(5) },
      { userId: 'bob', occurredAt: t(2) },
      { userId: 'alice', occurredAt: t(3) },
    ]);
    expect(markedAtFor(times, 'alice')).toBe(t(3));
    expect(markedAtFor(times, 'bob')).toBe(t(2));
    expect(markedAtFor(times, null)).toBe(t(2));
    expect(markedAtFor(times, 'carol')).toBeNull();
  });

  it('skips unreadable times rather than measuring from them', () => {
    const times = oldestMarks([
      { userId: 'alice', occurredAt: 'yesterday' },
      { userId: 'alice', occurredAt: t(9) },
    ]);
    expect(markedAtFor(times, 'alice')).toBe(t(9));
    expect(oldestMarks([{ userId: 'x', occurredAt: '' }]).all).toBeNull();
  });
});
