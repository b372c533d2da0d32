/**
 * The Redis adapter when the connection to Redis drops and comes back: commands fail fast while it is away (callers
 * fail open, a scan is never held up), and the store recovers by itself. Redis is reached through a TcpProxy.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { RedisCounterStore } from '@spamfilter/counters';
import Redis from 'ioredis';
import { TcpProxy } from './tcp-proxy';

const PREFIX = `it-outage:${randomUUID().slice(0, 8)}:`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function waitUp(store: RedisCounterStore): Promise<void> {
  const until = Date.now() + 30_000;
  while ((await store.health()).status !== 'up') {
    if (Date.now() > until) throw new Error('Redis not reachable through the proxy');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('RedisCounterStore across a connection outage (real Redis behind a TCP proxy)', () => {
  let proxy: TcpProxy;
  let store: RedisCounterStore;

  beforeAll(async () => {
    proxy = new TcpProxy(await freePort(), { host: '127.0.0.1', port: 6379 });
    await proxy.start();
    store = new RedisCounterStore({
      url: `redis://127.0.0.1:${proxy.port}/0`,
      keyPrefix: PREFIX,
      commandTimeoutMs: 2000,
      onConnectionError: () => undefined,
    });
  });
  afterAll(async () => {
    await store.close();
    await proxy.stop();
    const raw = new Redis('redis://127.0.0.1:6379/0');
    const keys = await raw.keys(`${PREFIX}*`);
    if (keys.length > 0) await raw.del(...keys);
    await raw.quit();
  });

  it('fails fast while cut and recovers with its data when the connection is back', async () => {
    await waitUp(store);
    const now = Date.now();
    expect(await store.hit('rl:a', 60_000, now)).toBe(1);
    expect(await store.setIfAbsent('grey:t', 'first', 60_000)).toBe(true);

    proxy.cut();
    // Once the client has seen the disconnect, nothing is queued to run later: commands fail at once.
    const seen = Date.now() + 30_000;
    while ((await store.health()).status !== 'down') {
      if (Date.now() > seen) throw new Error('disconnect not noticed');
      await new Promise((r) => setTimeout(r, 20));
    }
    // Fail fast, so the caller fails open at once: refused by the store itself ("not connected"), not after waiting in
    // ioredis' offline queue for the 2 s command timeout ("Command timed out").
    await expect(store.hit('rl:a', 60_000, now + 1)).rejects.toThrow(/^Redis not connected/);
    await expect(store.get('grey:t')).rejects.toThrow(/^Redis not connected/);

    proxy.restore();
    await waitUp(store);
    // The data lived in Redis, not in the client: the window and the value are still there.
    expect(await store.hit('rl:a', 60_000, now + 2)).toBe(2);
    expect(await store.get('grey:t')).toBe('first');
    expect(await store.setIfAbsent('grey:t', 'second', 60_000)).toBe(false);
  });
});
