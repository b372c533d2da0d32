import { Clock } from './clock';
import { assertPositiveMs, CounterStore, type CounterHealth } from './counter-store.port';

interface ValueEntry {
  readonly value: string;
  readonly expiresAt: number;
}

interface HitsEntry {
  /** Hit times, ascending. */
  times: number[];
  expiresAt: number;
}

export interface MemoryCounterStoreOptions {
  /** Most keys (values + counters) kept; expired keys are swept first, then the oldest are evicted. */
  readonly maxKeys?: number;
  /** Sweep expired keys every this many writes (default 1024). */
  readonly sweepEvery?: number;
}

/**
 * COUNTERS=memory: one process's counters in Maps, expiring by the injected clock. Bounded: every `sweepEvery`
 * writes (and whenever `maxKeys` is reached) expired keys are removed; if that is not enough the oldest keys go
 * (Map insertion order), so a flood of unique triplets cannot exhaust the heap.
 */
export class MemoryCounterStore extends CounterStore {
  private readonly values = new Map<string, ValueEntry>();
  private readonly hits = new Map<string, HitsEntry>();
  private readonly maxKeys: number;
  private readonly sweepEvery: number;
  private writes = 0;
  private closed = false;
  /** Keys evicted while still live (the bound was reached); exposed in health(). */
  evicted = 0;

  constructor(
    private readonly clock: Clock = new Clock(),
    opts: MemoryCounterStoreOptions = {},
  ) {
    super();
    this.maxKeys = opts.maxKeys ?? 1_000_000;
    this.sweepEvery = opts.sweepEvery ?? 1024;
  }

  get size(): number {
    return this.values.size + this.hits.size;
  }

  async hit(key: string, windowMs: number, now = this.clock.now()): Promise<number> {
    assertPositiveMs('windowMs', windowMs);
    let entry = this.hits.get(key);
    if (!entry) {
      entry = { times: [], expiresAt: 0 };
      this.hits.set(key, entry);
    }
    // Keep times sorted even when a caller passes an earlier `now`.
    let i = entry.times.length;
    while (i > 0 && entry.times[i - 1] > now) i--;
    entry.times.splice(i, 0, now);
    entry.times = entry.times.filter((t) => t > now - windowMs);
    entry.expiresAt = Math.max(entry.expiresAt, now + windowMs);
    this.afterWrite();
    return Promise.resolve(this.inWindow(entry, windowMs, now));
  }

  async count(key: string, windowMs: number, now = this.clock.now()): Promise<number> {
    assertPositiveMs('windowMs', windowMs);
    const entry = this.hits.get(key);
    return Promise.resolve(entry ? this.inWindow(entry, windowMs, now) : 0);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    assertPositiveMs('ttlMs', ttlMs);
    if (this.liveValue(key) !== undefined) return Promise.resolve(false);
    this.values.set(key, { value, expiresAt: this.clock.now() + ttlMs });
    this.afterWrite();
    return Promise.resolve(true);
  }

  get(key: string): Promise<string | null> {
    return Promise.resolve(this.liveValue(key)?.value ?? null);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    assertPositiveMs('ttlMs', ttlMs);
    this.values.delete(key); // re-insert so Map order stays "oldest write first" for eviction
    this.values.set(key, { value, expiresAt: this.clock.now() + ttlMs });
    this.afterWrite();
    return Promise.resolve();
  }

  delete(key: string): Promise<boolean> {
    const now = this.clock.now();
    const v = this.values.get(key);
    const h = this.hits.get(key);
    const existed = (v !== undefined && v.expiresAt > now) || (h !== undefined && h.expiresAt > now);
    this.values.delete(key);
    this.hits.delete(key);
    return Promise.resolve(existed);
  }

  keys(prefix: string, limit: number): Promise<string[]> {
    const now = this.clock.now();
    const out: string[] = [];
    for (const map of [this.values, this.hits] as Map<string, { expiresAt: number }>[]) {
      for (const [k, e] of map) {
        if (out.length >= limit) return Promise.resolve(out);
        if (e.expiresAt > now && k.startsWith(prefix)) out.push(k);
      }
    }
    return Promise.resolve(out);
  }

  health(): Promise<CounterHealth> {
    return Promise.resolve({
      status: this.closed ? 'down' : 'up',
      detail: { store: 'memory', keys: this.size, maxKeys: this.maxKeys, evicted: this.evicted },
    });
  }

  close(): Promise<void> {
    this.closed = true;
    this.values.clear();
    this.hits.clear();
    return Promise.resolve();
  }

  /** Removes every expired key; returns how many went. */
  sweep(now = this.clock.now()): number {
    let removed = 0;
    for (const [k, v] of this.values) if (v.expiresAt <= now && this.values.delete(k)) removed++;
    for (const [k, h] of this.hits) if (h.expiresAt <= now && this.hits.delete(k)) removed++;
    return removed;
  }

  private inWindow(entry: HitsEntry, windowMs: number, now: number): number {
    let n = 0;
    for (const t of entry.times) if (t > now - windowMs && t <= now) n++;
    return n;
  }

  private liveValue(key: string): ValueEntry | undefined {
    const v = this.values.get(key);
    if (v && v.expiresAt <= this.clock.now()) {
      this.values.delete(key);
      return undefined;
    }
    return v;
  }

  private afterWrite(): void {
    this.writes++;
    if (this.writes % this.sweepEvery !== 0 && this.size <= this.maxKeys) return;
    this.sweep();
    // Still over the bound: evict the oldest keys down to 90 % so this does not run on every write.
    if (this.size <= this.maxKeys) return;
    const target = Math.floor(this.maxKeys * 0.9);
    for (const map of [this.values, this.hits] as Map<string, unknown>[]) {
      for (const k of map.keys()) {
        if (this.size <= target) return;
        map.delete(k);
        this.evicted++;
      }
    }
  }
}
