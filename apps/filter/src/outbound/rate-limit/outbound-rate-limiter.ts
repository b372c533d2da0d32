import { createHash } from 'node:crypto';
import type { SymbolDefinition } from '@spamfilter/domain';
import { OUTBOUND_SYMBOLS } from '../outbound.symbols';
import type { OutboundIdentity } from '../outbound-identity';
import type { CounterStore } from '@spamfilter/counters';
import type { NowFn } from '../outbound-clock';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface OutboundLimits {
  readonly accountPerHour: number;
  readonly accountPerDay: number;
  readonly domainPerHour: number;
  readonly domainPerDay: number;
  readonly maxRecipientsPerMessage: number;
  readonly distinctRecipientsPerHour: number;
  readonly failedRecipientRatio: number;
  readonly failedRecipientMinSample: number;
}

export interface RateLimitBreach {
  readonly symbol: SymbolDefinition;
  readonly limit: number;
  /** The count that crossed the limit (for the explanation: "301 of 300 messages this hour"). */
  readonly count: number;
}

export interface RateLimitOutcome {
  readonly breaches: readonly RateLimitBreach[];
}

/** Recipient addresses are hashed in keys: the counter store needs no copy of who writes to whom. */
function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 16);
}

/**
 * Per-account and per-domain outbound limits over the counter store's sliding windows (any 60 minutes, any 24
 * hours: no burst of 2N across a clock boundary). Exact at the limit: with N per window the Nth message passes and
 * the (N+1)th is deferred; counting is one atomic script in Redis, so concurrent filter instances cannot both let
 * the (N+1)th through. Windows are checked in order and the first exceeded one stops the counting, so a message
 * deferred for the hourly limit does not eat into the daily quota or the domain's (a retrying client would
 * otherwise exhaust its day with refused attempts).
 */
export class OutboundRateLimiter {
  constructor(
    private readonly counters: CounterStore,
    private readonly now: NowFn,
    private readonly limits: OutboundLimits,
  ) {}

  async check(who: OutboundIdentity, recipients: readonly string[]): Promise<RateLimitOutcome> {
    const l = this.limits;
    const now = this.now();

    // Recipients per message needs no counter; a message over it is refused before it counts against anything.
    if (l.maxRecipientsPerMessage > 0 && recipients.length > l.maxRecipientsPerMessage) {
      return {
        breaches: [
          {
            symbol: OUTBOUND_SYMBOLS.tooManyRecipients,
            limit: l.maxRecipientsPerMessage,
            count: recipients.length,
          },
        ],
      };
    }

    const failed = await this.failedRatioBreach(who, now);
    if (failed) return { breaches: [failed] };

    const windows: [SymbolDefinition, number, string, number][] = [
      [OUTBOUND_SYMBOLS.rateAccountHour, l.accountPerHour, `ob:rate:ah:${who.account}`, HOUR_MS],
      [OUTBOUND_SYMBOLS.rateAccountDay, l.accountPerDay, `ob:rate:ad:${who.account}`, DAY_MS],
    ];
    if (who.domain) {
      windows.push(
        [OUTBOUND_SYMBOLS.rateDomainHour, l.domainPerHour, `ob:rate:dh:${who.domain}`, HOUR_MS],
        [OUTBOUND_SYMBOLS.rateDomainDay, l.domainPerDay, `ob:rate:dd:${who.domain}`, DAY_MS],
      );
    }
    for (const [symbol, limit, key, windowMs] of windows) {
      if (limit <= 0) continue;
      const count = await this.counters.hit(key, windowMs, now);
      if (count > limit) return { breaches: [{ symbol, limit, count }] };
    }

    if (l.distinctRecipientsPerHour > 0) {
      const distinctKey = `ob:rcpt:n:${who.account}`;
      // A recipient already written to this hour does not count again (a deferred message's retry neither). The
      // marks are set concurrently, then each new recipient is one hit: two round trips for any recipient count.
      const unique = [...new Set(recipients.map((r) => r.toLowerCase()))];
      const fresh = await Promise.all(
        unique.map((r) => this.counters.setIfAbsent(`ob:rcpt:s:${who.account}:${digest(r)}`, '1', HOUR_MS)),
      );
      const hits = fresh.filter(Boolean).length;
      const distinct =
        hits === 0
          ? await this.counters.count(distinctKey, HOUR_MS, now)
          : Math.max(
              ...(await Promise.all(
                Array.from({ length: hits }, () => this.counters.hit(distinctKey, HOUR_MS, now)),
              )),
            );
      if (distinct > l.distinctRecipientsPerHour) {
        return {
          breaches: [
            {
              symbol: OUTBOUND_SYMBOLS.distinctRecipients,
              limit: l.distinctRecipientsPerHour,
              count: distinct,
            },
          ],
        };
      }
    }
    return { breaches: [] };
  }

  /**
   * The MTA reports what happened to each outbound recipient (delivered, or failed: unknown user, hard bounce).
   * Many failures mean a bought or guessed address list, the mark of a spam run.
   */
  async recordDelivery(who: OutboundIdentity, outcome: { delivered: number; failed: number }): Promise<void> {
    const now = this.now();
    const cap = (n: number) => Math.max(0, Math.min(Math.floor(n), 1000));
    for (let i = 0; i < cap(outcome.delivered) + cap(outcome.failed); i++)
      await this.counters.hit(`ob:dlv:all:${who.account}`, HOUR_MS, now);
    for (let i = 0; i < cap(outcome.failed); i++)
      await this.counters.hit(`ob:dlv:fail:${who.account}`, HOUR_MS, now);
  }

  private async failedRatioBreach(who: OutboundIdentity, now: number): Promise<RateLimitBreach | null> {
    const l = this.limits;
    if (l.failedRecipientRatio >= 1) return null;
    const attempted = await this.counters.count(`ob:dlv:all:${who.account}`, HOUR_MS, now);
    if (attempted < l.failedRecipientMinSample) return null;
    const failed = await this.counters.count(`ob:dlv:fail:${who.account}`, HOUR_MS, now);
    if (failed / attempted <= l.failedRecipientRatio) return null;
    return {
      symbol: OUTBOUND_SYMBOLS.failedRecipients,
      limit: Math.round(l.failedRecipientRatio * 100),
      count: Math.round((failed / attempted) * 100),
    };
  }
}
