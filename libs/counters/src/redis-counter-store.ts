import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Clock } from './clock';
import { assertPositiveMs, CounterStore, type CounterHealth } from './counter-store.port';

export interface RedisCounterStoreOptions {
  readonly url: string;
  /** Prepended to every key by ioredis (REDIS_KEY_PREFIX), also inside the Lua script's KEYS. */
  readonly keyPrefix: string;
  /** A command not answered within this long fails (default 1000 ms). */
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly clock?: Clock;
  /** Where connection trouble is reported, one line per state change (default: stderr). */
  readonly onConnectionError?: (message: string) => void;
}

/**
 * Sliding-window hit, atomic in one script: drop hits at or before now − window, add this one, refresh the key's
 * expiry, count (now − window, now]. KEYS[1] counter; ARGV: now, member, window start (inclusive bound to drop),
 * '(' + window start (exclusive bound to count), window ms.
 */
const HIT_LUA = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return redis.call('ZCOUNT', KEYS[1], ARGV[4], ARGV[1])
`;

type RedisWithHit = Redis & {
  sfHit(
    key: string,
    now: string,
    member: string,
    dropTo: string,
    countFrom: string,
    windowMs: string,
  ): Promise<number>;
};

/**
 * COUNTERS=redis: counters shared by every filter instance. Windows are sorted sets of hit times (exact sliding
 * windows, updated atomically by a Lua script); values are plain strings with PX expiry, setIfAbsent is SET NX PX.
 * Expiry of values follows Redis' clock; window arithmetic follows the injected clock (the instances' clocks).
 */
export class RedisCounterStore extends CounterStore {
  private readonly redis: RedisWithHit;
  private readonly clock: Clock;
  private lastError: string | null = null;
  private closed = false;
  private everReady = false;

  constructor(private readonly opts: RedisCounterStoreOptions) {
    super();
    this.clock = opts.clock ?? new Clock();
    const report = opts.onConnectionError ?? ((m: string) => process.stderr.write(`[counters] WARN ${m}\n`));
    this.redis = new Redis(opts.url, {
      keyPrefix: opts.keyPrefix,
      connectTimeout: opts.connectTimeoutMs ?? 2000,
      commandTimeout: opts.commandTimeoutMs ?? 1000,
      // Fail a command quickly while disconnected instead of queueing it for ever; callers fail open.
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(100 * times, 2000),
      lazyConnect: false,
      // A command cut off by a disconnect fails; resending it after the reconnect could apply it after its caller
      // already gave up (and failed open), counting a hit twice.
      autoResendUnfulfilledCommands: false,
    }) as RedisWithHit;
    this.redis.defineCommand('sfHit', { numberOfKeys: 1, lua: HIT_LUA });
    this.redis.on('error', (err: Error) => {
      // ioredis emits an error on every reconnect attempt; report each new kind once.
      const message = `Redis ${this.redact(opts.url)}: ${err.message}`;
      if (message !== this.lastError) report(message);
      this.lastError = message;
    });
    this.redis.on('ready', () => {
      this.lastError = null;
      this.everReady = true;
    });
  }

  async hit(key: string, windowMs: number, now = this.clock.now()): Promise<number> {
    this.assertConnected();
    assertPositiveMs('windowMs', windowMs);
    const member = `${now}-${randomBytes(6).toString('hex')}`;
    const start = now - windowMs;
    return Number(
      await this.redis.sfHit(
        key,
        String(now),
        member,
        String(start),
        `(${start}`,
        String(Math.ceil(windowMs)),
      ),
    );
  }

  async count(key: string, windowMs: number, now = this.clock.now()): Promise<number> {
    this.assertConnected();
    assertPositiveMs('windowMs', windowMs);
    return this.redis.zcount(key, `(${now - windowMs}`, String(now));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    this.assertConnected();
    assertPositiveMs('ttlMs', ttlMs);
    return (await this.redis.set(key, value, 'PX', Math.ceil(ttlMs), 'NX')) === 'OK';
  }

  async get(key: string): Promise<string | null> {
    this.assertConnected();
    return this.redis.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.assertConnected();
    assertPositiveMs('ttlMs', ttlMs);
    await this.redis.set(key, value, 'PX', Math.ceil(ttlMs));
  }

  async delete(key: string): Promise<boolean> {
    this.assertConnected();
    return (await this.redis.del(key)) > 0;
  }

  /**
   * SCAN with MATCH: ioredis adds keyPrefix to keys but not to SCAN patterns, so the prefix is added here and cut
   * from the answers; glob characters in `prefix` are escaped (keys may hold client-chosen text).
   */
  async keys(prefix: string, limit: number): Promise<string[]> {
    this.assertConnected();
    const pattern = `${this.opts.keyPrefix}${prefix}`.replace(/[*?[\]\\]/g, '\\$&') + '*';
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      for (const k of batch) if (found.size < limit) found.add(k.slice(this.opts.keyPrefix.length));
      cursor = next;
    } while (cursor !== '0' && found.size < limit);
    return [...found];
  }

  /** A real PING under the command timeout. */
  async health(): Promise<CounterHealth> {
    const detail = { store: 'redis', url: this.redact(this.opts.url), keyPrefix: this.opts.keyPrefix };
    if (this.closed) return { status: 'down', detail: { ...detail, error: 'closed' } };
    const t0 = Date.now();
    try {
      // Disconnected after having been connected: answer from the state (a PING would only wait in ioredis' queue).
      if (this.everReady && this.redis.status !== 'ready')
        throw new Error(`not connected (${this.redis.status})`);
      const pong = await this.redis.ping();
      if (pong !== 'PONG') throw new Error(`unexpected reply ${pong}`);
      return { status: 'up', detail: { ...detail, latencyMs: Date.now() - t0 } };
    } catch (err) {
      return {
        status: 'down',
        detail: {
          ...detail,
          connection: this.redis.status,
          error: this.lastError ?? (err instanceof Error ? err.message : String(err)),
        },
      };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // QUIT lets pending commands finish; when not connected it would wait for a reconnect, so just stop retrying.
    if (this.redis.status !== 'ready') {
      this.redis.disconnect();
      return;
    }
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  /**
   * After the first connection, a command issued while disconnected fails at once instead of waiting in ioredis'
   * offline queue: it would time out for its caller and then still run after the reconnect. Before the first
   * connection (start-up) commands wait, bounded by the command timeout.
   */
  private assertConnected(): void {
    if (this.closed) throw new Error('counter store is closed');
    if (this.everReady && this.redis.status !== 'ready')
      throw new Error(`Redis not connected (${this.redis.status})`);
  }

  /** The URL without its password, for logs and health. */
  private redact(url: string): string {
    return url.replace(/\/\/([^@/]*)@/, (_m, cred: string) =>
      cred.includes(':') ? `//${cred.split(':')[0]}:***@` : `//${cred}@`,
    );
  }
}
