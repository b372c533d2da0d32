import type { Clock, OutboundCounters } from './outbound-counters.port';

/**
 * The embedded default (COUNTERS=memory): one process, counters in a Map with expiry. Same contract as the Redis
 * store: a hit key lives windowMs from its first hit.
 */
export class InMemoryOutboundCounters implements OutboundCounters {
  private readonly entries = new Map<string, { value: string; count: number; expiresAt: number }>();

  constructor(private readonly clock: Clock = Date.now) {}

  async hit(key: string, windowMs: number): Promise<number> {
    const now = this.clock();
    const e = this.live(key, now);
    if (e) {
      e.count += 1;
      return e.count;
    }
    this.entries.set(key, { value: '1', count: 1, expiresAt: now + windowMs });
    this.sweep(now);
    return 1;
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    if (this.live(key, now)) return false;
    this.entries.set(key, { value, count: 0, expiresAt: now + ttlMs });
    return true;
  }

  async count(key: string): Promise<number> {
    return this.live(key, this.clock())?.count ?? 0;
  }

  private live(key: string, now: number) {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Bounded memory: drop expired keys now and then. */
  private sweep(now: number): void {
    if (this.entries.size % 1024 !== 0) return;
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
  }
}
