import { ManualClock, MemoryCounterStore } from '@spamfilter/counters';
import { SpamWindow } from './spam-window';

describe('SpamWindow', () => {
  it('counts verdicts in the sliding window, per account, and forgets older ones', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 10, 9, 30));
    const w = new SpamWindow(new MemoryCounterStore(clock), () => clock.now(), 600_000);
    expect(await w.record('a@x.example')).toBe(1);
    clock.advance(60_000); // across the 10:10 boundary: still one window
    expect(await w.record('a@x.example')).toBe(2);
    expect(await w.count('b@x.example')).toBe(0);
    clock.advance(540_000); // the first verdict is now exactly 10 minutes old: out
    expect(await w.count('a@x.example')).toBe(1);
    clock.advance(11 * 60_000);
    expect(await w.record('a@x.example')).toBe(1);
  });

  it('starts afresh after an unblock (a new epoch)', async () => {
    const clock = new ManualClock();
    const w = new SpamWindow(new MemoryCounterStore(clock), () => clock.now(), 600_000);
    for (let i = 0; i < 5; i++) await w.record('a@x.example');
    expect(await w.record('a@x.example', clock.now())).toBe(1);
  });
});
