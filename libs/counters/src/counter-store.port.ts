/**
 * Short-lived shared state: greylisting triplets and rate-limit windows (Redis in production, a bounded Map in the
 * embedded default). Everything here expires; nothing here is the truth (PostgreSQL is), so callers treat a failure
 * as "unknown" and fail open (a scan must not fail because Redis is down).
 *
 * Keys: the store adds its own prefix (REDIS_KEY_PREFIX); callers namespace their keys ("grey:", "rl:acct:", …) and
 * never use the same key both as a counter (hit/count) and as a value (get/set).
 */
export interface CounterHealth {
  readonly status: 'up' | 'down';
  readonly detail: Readonly<Record<string, unknown>>;
}

export abstract class CounterStore {
  /**
   * Records one hit at `now` (default: the store's clock) and returns how many hits the key has in the sliding
   * window (now − windowMs, now], this one included. A rate limit of N per window is exceeded when this returns
   * N + 1. Use one window length per key.
   */
  abstract hit(key: string, windowMs: number, now?: number): Promise<number>;

  /** Hits in the sliding window (now − windowMs, now], without recording one. */
  abstract count(key: string, windowMs: number, now?: number): Promise<number>;

  /** Sets the value only if the key has none (atomic: of concurrent callers exactly one gets true). */
  abstract setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;

  /** The value, or null when absent or expired. */
  abstract get(key: string): Promise<string | null>;

  /** Sets (or replaces) the value with a new time to live. */
  abstract set(key: string, value: string, ttlMs: number): Promise<void>;

  /** Removes a value or a counter; true when something was there. */
  abstract delete(key: string): Promise<boolean>;

  /**
   * Live keys (values and counters) that start with `prefix`, at most `limit` of them, in no particular order. For
   * operator listings, not for hot paths: Redis walks the keyspace with SCAN.
   */
  abstract keys(prefix: string, limit: number): Promise<string[]>;

  abstract health(): Promise<CounterHealth>;

  abstract close(): Promise<void>;
}

export function assertPositiveMs(name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms <= 0)
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${ms}`);
}
