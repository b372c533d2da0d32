import { ManualClock } from './clock';
import { MemoryCounterStore } from './memory-counter-store';

describe('MemoryCounterStore', () => {
  let clock: ManualClock;
  let store: MemoryCounterStore;
  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    store = new MemoryCounterStore(clock);
  });

  describe('sliding windows', () => {
    it('counts hits in (now − window, now] and reports the count after each hit', async () => {
      expect(await store.hit('rl:a', 1000)).toBe(1);
      clock.advance(400);
      expect(await store.hit('rl:a', 1000)).toBe(2);
      clock.advance(599); // first hit is 999 ms old: still inside
      expect(await store.hit('rl:a', 1000)).toBe(3);
      clock.advance(1); // first hit is exactly 1000 ms old: out
      expect(await store.count('rl:a', 1000)).toBe(2);
      expect(await store.hit('rl:a', 1000)).toBe(3);
    });

    it('exceeds a limit of N exactly on hit N + 1 and recovers when the window slides', async () => {
      const limit = 5;
      const results: number[] = [];
      for (let i = 0; i < limit + 1; i++) {
        results.push(await store.hit('rl:acct:x', 60_000));
        clock.advance(1000);
      }
      expect(results).toEqual([1, 2, 3, 4, 5, 6]);
      expect(results.filter((n) => n > limit)).toHaveLength(1);
      clock.set(1_000_000 + 60_000); // the first hit leaves the window
      expect(await store.count('rl:acct:x', 60_000)).toBe(5);
    });

    it('accepts an explicit now, also out of order, and keeps keys apart', async () => {
      await store.hit('k1', 100, 50);
      await store.hit('k1', 100, 10);
      expect(await store.count('k1', 100, 60)).toBe(2);
      expect(await store.count('k1', 100, 110)).toBe(1); // t=10 is out, t=50 in
      expect(await store.count('k2', 100, 60)).toBe(0);
    });

    it('rejects a non-positive window', async () => {
      await expect(store.hit('k', 0)).rejects.toThrow(RangeError);
    });
  });

  describe('values', () => {
    it('expires values by the injected clock', async () => {
      await store.set('grey:t', 'first-seen', 500);
      expect(await store.get('grey:t')).toBe('first-seen');
      clock.advance(499);
      expect(await store.get('grey:t')).toBe('first-seen');
      clock.advance(1);
      expect(await store.get('grey:t')).toBeNull();
    });

    it('setIfAbsent succeeds once until the value expires', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.setIfAbsent('grey:x', `v${i}`, 1000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get('grey:x')).toBe(`v${results.indexOf(true)}`);
      clock.advance(1000);
      expect(await store.setIfAbsent('grey:x', 'again', 1000)).toBe(true);
      expect(await store.get('grey:x')).toBe('again');
    });

    it('set replaces the value and its ttl; delete says whether something was there', async () => {
      await store.set('k', 'a', 100);
      await store.set('k', 'b', 1000);
      clock.advance(500);
      expect(await store.get('k')).toBe('b');
      expect(await store.delete('k')).toBe(true);
      expect(await store.delete('k')).toBe(false);
      expect(await store.get('k')).toBeNull();
      await store.hit('c', 1000);
      expect(await store.delete('c')).toBe(true);
      expect(await store.count('c', 1000)).toBe(0);
    });
  });

  describe('keys', () => {
    it('lists live values and counters under a prefix, up to the limit', async () => {
      await store.set('auth:lock:ip:1', 'x', 1000);
      await store.hit('auth:f:ip:1', 500);
      await store.hit('grey:t', 1000);
      await store.set('auth:old', 'x', 100);
      clock.advance(100);
      expect((await store.keys('auth:', 10)).sort()).toEqual(['auth:f:ip:1', 'auth:lock:ip:1']);
      expect(await store.keys('auth:', 1)).toHaveLength(1);
      clock.advance(400); // the counter's only hit leaves its window
      expect(await store.keys('auth:', 10)).toEqual(['auth:lock:ip:1']);
    });
  });

  describe('bounds', () => {
    it('sweeps expired keys as it writes', async () => {
      const small = new MemoryCounterStore(clock, { sweepEvery: 10, maxKeys: 10_000 });
      for (let i = 0; i < 9; i++) await small.set(`old${i}`, 'x', 100);
      clock.advance(100);
      expect(small.size).toBe(9);
      await small.set('new', 'x', 100); // 10th write: sweep
      expect(small.size).toBe(1);
      expect(small.evicted).toBe(0);
    });

    it('never holds more than maxKeys, evicting the oldest live keys when it must', async () => {
      const small = new MemoryCounterStore(clock, { maxKeys: 100, sweepEvery: 1_000_000 });
      for (let i = 0; i < 1000; i++) await small.set(`k${i}`, String(i), 60_000);
      expect(small.size).toBeLessThanOrEqual(100);
      expect(small.evicted).toBeGreaterThan(0);
      expect(await small.get('k999')).toBe('999'); // the newest survive
      expect(await small.get('k0')).toBeNull();
      const health = await small.health();
      expect(health).toEqual({
        status: 'up',
        detail: expect.objectContaining({ store: 'memory', maxKeys: 100 }),
      });
    });

    it('is down after close', async () => {
      await store.close();
      expect((await store.health()).status).toBe('down');
    });
  });
});
