/**
 * The Redis adapter against the REAL Redis started by `bash scripts/services.sh up redis` (127.0.0.1:6379).
 * Each run uses its own key prefix and removes its keys afterwards.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { ManualClock, RedisCounterStore } from '@spamfilter/counters';

const URL = 'redis://127.0.0.1:6379/0';
const PREFIX = `it:${randomUUID().slice(0, 8)}:`;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Polls until `cond` holds; the ceiling only matters when the code is broken. */
async function waitFor(cond: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('RedisCounterStore (real Redis)', () => {
  const clock = new ManualClock(1_800_000_000_000);
  let store: RedisCounterStore;
  let raw: Redis;

  beforeAll(async () => {
    store = new RedisCounterStore({
      url: URL,
      keyPrefix: PREFIX,
      clock,
      commandTimeoutMs: 3000,
      onConnectionError: () => undefined,
    });
    raw = new Redis(URL);
    await raw.ping(); // connected before the first timed test, also on a loaded machine
  });
  afterAll(async () => {
    const keys = await raw.keys(`${PREFIX}*`);
    if (keys.length > 0) await raw.del(...keys);
    await store.close();
    await raw.quit();
  });

  it('is up, answering a real PING', async () => {
    const health = await store.health();
    expect(health.status).toBe('up');
    expect(health.detail).toMatchObject({ store: 'redis', keyPrefix: PREFIX });
  });

  it('counts a sliding window exactly at its edges', async () => {
    const t0 = clock.now();
    expect(await store.hit('rl:edge', 1000, t0)).toBe(1);
    expect(await store.hit('rl:edge', 1000, t0 + 400)).toBe(2);
    expect(await store.hit('rl:edge', 1000, t0 + 999)).toBe(3); // t0 is 999 ms old: inside
    expect(await store.count('rl:edge', 1000, t0 + 1000)).toBe(2); // t0 exactly 1000 ms old: out
    expect(await store.hit('rl:edge', 1000, t0 + 1000)).toBe(3);
    expect(await store.count('rl:edge', 1000, t0 + 1999)).toBe(1); // only t0 + 1000 is left
    // The prefix is applied inside the script too: the sorted set lives under PREFIX.
    expect(await raw.exists(`${PREFIX}rl:edge`)).toBe(1);
    expect(await raw.exists('rl:edge')).toBe(0);
  });

  it('trips a limit of N exactly on hit N + 1, also under concurrent hits', async () => {
    const limit = 20;
    const now = clock.now();
    const counts = await Promise.all(
      Array.from({ length: limit + 5 }, () => store.hit('rl:burst', 60_000, now)),
    );
    // Atomic script: every concurrent hit got a distinct count 1..25.
    expect(counts.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: limit + 5 }, (_, i) => i + 1));
    expect(counts.filter((n) => n > limit)).toHaveLength(5);
  });

  it('expires a counter key with its window', async () => {
    await store.hit('rl:ttl', 200);
    const pttl = await raw.pttl(`${PREFIX}rl:ttl`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(200);
  });

  it('expires values after their ttl (Redis clock)', async () => {
    await store.set('grey:v', 'seen', 150);
    expect(await store.get('grey:v')).toBe('seen');
    // The ttl Redis holds is the one given; then Redis' own clock expires the value (waited for, not slept on).
    const pttl = await raw.pttl(`${PREFIX}grey:v`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(150);
    await waitFor(async () => (await store.get('grey:v')) === null);
  });

  it('setIfAbsent: exactly one of many concurrent callers wins, again after expiry', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.setIfAbsent('grey:race', `c${i}`, 200)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get('grey:race')).toBe(`c${results.indexOf(true)}`);
    // A second client (another filter instance) loses too.
    const other = new RedisCounterStore({ url: URL, keyPrefix: PREFIX, onConnectionError: () => undefined });
    try {
      expect(await other.setIfAbsent('grey:race', 'other', 200)).toBe(false);
      expect(await raw.pttl(`${PREFIX}grey:race`)).toBeLessThanOrEqual(200);
      await waitFor(async () => (await raw.exists(`${PREFIX}grey:race`)) === 0);
      expect(await other.setIfAbsent('grey:race', 'other', 200)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('set replaces value and ttl; delete reports whether the key existed', async () => {
    await store.set('k', 'a', 100);
    await store.set('k', 'b', 10_000);
    // The second set's ttl replaced the first one's (a 100 ms ttl left in place would read at most 100).
    expect(await raw.pttl(`${PREFIX}k`)).toBeGreaterThan(100);
    expect(await store.get('k')).toBe('b');
    expect(await store.delete('k')).toBe(true);
    expect(await store.delete('k')).toBe(false);
  });

  it('lists keys under a prefix without the store prefix, glob characters in the prefix taken literally', async () => {
    await store.set('ls:a', 'x', 60_000);
    await store.hit('ls:b', 60_000);
    await store.set('ls*x', 'x', 60_000);
    await store.set('other:a', 'x', 60_000);
    await raw.set('ls:not-ours', 'x', 'PX', 60_000); // no PREFIX: another user of the same Redis
    expect((await store.keys('ls:', 100)).sort()).toEqual(['ls:a', 'ls:b']);
    expect(await store.keys('ls*', 100)).toEqual(['ls*x']);
    expect(await store.keys('ls:', 1)).toHaveLength(1);
    await raw.del('ls:not-ours');
  });

  it("is 'down' on a closed port, and commands fail fast instead of hanging", async () => {
    const port = await closedPort();
    const messages: string[] = [];
    const dead = new RedisCounterStore({
      url: `redis://:secret@127.0.0.1:${port}/0`,
      keyPrefix: PREFIX,
      commandTimeoutMs: 300,
      connectTimeoutMs: 300,
      onConnectionError: (m) => messages.push(m),
    });
    try {
      const health = await dead.health();
      expect(health.status).toBe('down');
      expect(String(health.detail.error)).toMatch(/ECONNREFUSED|timed out|max retries/i);
      expect(JSON.stringify(health)).not.toContain('secret');
      // No hang: the command is ended by the store's own bounds (the 300 ms command timeout, one retry), not by a
      // connection that never comes.
      await expect(dead.hit('rl:x', 1000)).rejects.toThrow(
        /timed out|max retries|ECONNREFUSED|not connected/i,
      );
      expect(messages.length).toBeGreaterThan(0);
      expect(messages.join('\n')).not.toContain('secret');
    } finally {
      await dead.close();
    }
  });
});
