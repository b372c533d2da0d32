import type { SymbolHit } from '@spamfilter/domain';
import type { Check, ScanContext } from '../../pipeline/check';
import { outboundIdentity } from '../outbound-identity';
import { OUTBOUND_SYMBOLS } from '../outbound.symbols';
import type { OutboundRateLimiter } from './outbound-rate-limiter';

/**
 * Per-account and per-domain sending limits of authenticated submission. Reports the exceeded limit as a symbol
 * (the option says "count/limit"); `outboundForcedAction` turns it into 421 4.7.0. When the counter store fails the
 * pipeline reports OUTBOUND_RATE_TEMPFAIL and the mail goes on unlimited (fail-open: a Redis outage must not stop
 * every customer's outgoing mail; the content checks still run).
 */
export class RateLimitCheck implements Check {
  readonly name = 'outbound-rate';
  readonly tempfail = 'OUTBOUND_RATE_TEMPFAIL';
  readonly symbols = [
    OUTBOUND_SYMBOLS.rateAccountHour,
    OUTBOUND_SYMBOLS.rateAccountDay,
    OUTBOUND_SYMBOLS.rateDomainHour,
    OUTBOUND_SYMBOLS.rateDomainDay,
    OUTBOUND_SYMBOLS.tooManyRecipients,
    OUTBOUND_SYMBOLS.distinctRecipients,
    OUTBOUND_SYMBOLS.failedRecipients,
    OUTBOUND_SYMBOLS.noAuthUser,
  ];

  constructor(private readonly limiter: OutboundRateLimiter) {}

  async run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    if (ctx.envelope.direction !== 'outbound') return [];
    const who = outboundIdentity(ctx.envelope);
    if (!who) return [];
    const hits: SymbolHit[] = [];
    if (!who.authenticated) hits.push({ name: OUTBOUND_SYMBOLS.noAuthUser.name });
    const { breaches } = await this.limiter.check(who, ctx.envelope.rcptTo);
    for (const b of breaches) hits.push({ name: b.symbol.name, options: [`${b.count}/${b.limit}`] });
    return hits;
  }
}
