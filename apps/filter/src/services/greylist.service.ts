import type { Policy } from '@spamfilter/scoring';
import ipaddr from 'ipaddr.js';
import type { Clock } from './clock';

/**
 * The part of the counter store (libs/counters: Redis in production, in-memory in the embedded default) greylisting
 * needs; libs/counters' CounterStore satisfies it structurally.
 */
export interface GreylistStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
}

/** Embedded default: a Map with expiry, swept lazily. */
export class InMemoryGreylistStore implements GreylistStore {
  private readonly map = new Map<string, { value: string; until: number }>();
  constructor(private readonly clock: Clock) {}

  get(key: string): Promise<string | null> {
    const e = this.map.get(key);
    if (!e) return Promise.resolve(null);
    if (e.until <= this.clock.now()) {
      this.map.delete(key);
      return Promise.resolve(null);
    }
    return Promise.resolve(e.value);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    this.map.set(key, { value, until: this.clock.now() + ttlMs });
    if (this.map.size > 500_000) this.sweep();
    return Promise.resolve();
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if ((await this.get(key)) !== null) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [k, e] of this.map) if (e.until <= now) this.map.delete(k);
  }
}

export type GreylistState = 'new' | 'early' | 'passed';

export interface Triplet {
  readonly clientIp: string;
  readonly sender: string;
  readonly recipient: string;
}

/**
 * Greylisting of (client /24, sender, recipient) triplets — the /24, not the IP, because large senders retry from
 * another address of the same pool. RFC 5321 §4.5.4.1: a client retries a 4xx after a delay; the first retry after
 * `minDelaySeconds` and within `pendingTtlSeconds` passes and whitelists the triplet for `passTtlSeconds`.
 */
export class GreylistService {
  constructor(
    private readonly store: GreylistStore,
    private readonly clock: Clock,
    private readonly prefix = 'gl:',
  ) {}

  static key(t: Triplet): string {
    return `${clientNetwork(t.clientIp)}|${t.sender.toLowerCase()}|${t.recipient.toLowerCase()}`;
  }

  /** Reads without changing anything (the pre-DATA endpoint and explanations). */
  async peek(t: Triplet): Promise<GreylistState> {
    const v = await this.store.get(this.prefix + GreylistService.key(t));
    if (v === null) return 'new';
    return v === 'pass' ? 'passed' : 'early';
  }

  /** Records the attempt and says whether it may pass. */
  async check(t: Triplet, g: Policy['greylisting']): Promise<GreylistState> {
    const key = this.prefix + GreylistService.key(t);
    const now = this.clock.now();
    const v = await this.store.get(key);
    if (v === null) {
      // Two concurrent first attempts: only one records the first-seen time, both are greylisted.
      await this.store.setIfAbsent(key, String(now), g.pendingTtlSeconds * 1000);
      return 'new';
    }
    if (v === 'pass') return 'passed';
    const first = Number(v);
    if (Number.isFinite(first) && now - first < g.minDelaySeconds * 1000) return 'early';
    await this.store.set(key, 'pass', g.passTtlSeconds * 1000);
    return 'passed';
  }
}

/** The /24 of an IPv4 client (IPv4-mapped IPv6 included), the /64 of an IPv6 client, in a canonical spelling. */
export function clientNetwork(ip: string): string {
  try {
    const a = ipaddr.process(ip);
    if (a.kind() === 'ipv4') return (a as ipaddr.IPv4).octets.slice(0, 3).join('.');
    return (a as ipaddr.IPv6).toNormalizedString().split(':').slice(0, 4).join(':');
  } catch {
    return ip.toLowerCase();
  }
}
