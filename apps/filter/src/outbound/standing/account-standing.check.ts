import { computeStanding, type Standing, type SymbolHit } from '@spamfilter/domain';
import type { Check, ScanContext } from '../../pipeline/check';
import { outboundIdentity } from '../outbound-identity';
import type { AccountStore, StandingStore } from '../outbound-sources.port';
import { OUTBOUND_SYMBOLS } from '../outbound.symbols';

export interface AccountStandingOptions {
  readonly complaintWeight: number;
  readonly standingWindowDays: number;
  /** How long a computed standing is reused (the block status is never cached: an unblock works at once). */
  readonly cacheMs: number;
  readonly now: () => number;
}

const MAX_CACHED = 50_000;

/**
 * The sending account's state: blocked (→ block, 550 5.7.1 with the reference), or its standing from recent spam
 * verdicts and complaints as a weighted symbol. The status is read on every outbound message — one primary-key
 * look-up — so an operator's unblock restores sending with the next message.
 */
export class AccountStandingCheck implements Check {
  readonly name = 'outbound-account';
  readonly tempfail = 'OUTBOUND_ACCOUNT_TEMPFAIL';
  readonly symbols = [
    OUTBOUND_SYMBOLS.accountBlocked,
    OUTBOUND_SYMBOLS.standingWarn,
    OUTBOUND_SYMBOLS.standingPoor,
  ];
  private readonly cache = new Map<string, { standing: Standing; until: number }>();

  constructor(
    private readonly accounts: AccountStore,
    private readonly standing: StandingStore,
    private readonly options: AccountStandingOptions,
  ) {}

  async run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    if (ctx.envelope.direction !== 'outbound') return [];
    const who = outboundIdentity(ctx.envelope);
    if (!who) return [];
    const [state, standing] = await Promise.all([
      this.accounts.state(who.account),
      this.standingOf(who.account),
    ]);
    const hits: SymbolHit[] = [];
    if (state.status === 'blocked')
      hits.push({
        name: OUTBOUND_SYMBOLS.accountBlocked.name,
        options: state.blockedReason ? [state.blockedReason.slice(0, 120)] : [],
      });
    if (standing.level === 'poor')
      hits.push({ name: OUTBOUND_SYMBOLS.standingPoor.name, options: [`standing ${standing.score}`] });
    if (standing.level === 'warn')
      hits.push({ name: OUTBOUND_SYMBOLS.standingWarn.name, options: [`standing ${standing.score}`] });
    return hits;
  }

  /** Forget a cached standing (a complaint or a spam verdict just changed it). */
  invalidate(account: string): void {
    this.cache.delete(account);
  }

  private async standingOf(account: string): Promise<Standing> {
    const now = this.options.now();
    const hit = this.cache.get(account);
    if (hit && hit.until > now) return hit.standing;
    const since = new Date(now - this.options.standingWindowDays * 86_400_000);
    const counts = await this.standing.countsSince(account, since);
    const standing = computeStanding(counts, this.options.complaintWeight);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(account, { standing, until: now + this.options.cacheMs });
    return standing;
  }
}
