import type { AppConfig } from '@spamfilter/config';
import type { CounterStore } from '@spamfilter/counters';
import type { Action, ScanEnvelope, ScanVerdict, SymbolHit } from '@spamfilter/domain';
import type { Check } from '../pipeline/check';
import { AupCheck } from './aup/aup.check';
import {
  FanOutOperatorNotifier,
  WebhookOperatorNotifier,
  type NotifierLog,
} from './notice/operator-notifier';
import { outboundIdentity } from './outbound-identity';
import type { NowFn } from './outbound-clock';
import type { AccountStore, AupRuleStore, OperatorNotifier, StandingStore } from './outbound-sources.port';
import { OUTBOUND_SYMBOL_LIST, outboundForcedAction } from './outbound.symbols';
import { OutboundRateLimiter } from './rate-limit/outbound-rate-limiter';
import { RateLimitCheck } from './rate-limit/rate-limit.check';
import { AccountStandingCheck } from './standing/account-standing.check';
import { AutoBlockService } from './standing/auto-block.service';
import { SpamWindow } from './standing/spam-window';

export type OutboundConfig = AppConfig['outbound'];

/** The header the MTA routes on: risky-but-allowed outbound mail leaves through the separate IP pool. */
export const ROUTING_HEADER = 'X-Spam-Outbound-Pool';

export interface OutboundProtectionDeps {
  readonly counters: CounterStore;
  readonly accounts: AccountStore;
  readonly standing: StandingStore;
  readonly aupRules: AupRuleStore;
  /** Channels besides the webhook of OUTBOUND_WEBHOOK_URL (the bus). */
  readonly notifiers?: readonly { readonly name: string; readonly notifier: OperatorNotifier }[];
  readonly clock?: NowFn;
  readonly log?: NotifierLog;
  /** How long a computed standing is reused; default one minute. */
  readonly standingCacheMs?: number;
  /** How often AUP rules are re-read; default ten seconds. */
  readonly aupRefreshMs?: number;
}

/**
 * Outbound protection for the filter, composed once per process: the three outbound checks (rate limits, account
 * standing/block, AUP rules), the forced action they imply, the automatic block after each verdict and the routing
 * tag. The launcher passes `checks` as FilterDependencies.extraChecks and `extensions` as FilterDependencies
 * .extensions.
 */
export class OutboundProtection {
  readonly limiter: OutboundRateLimiter;
  readonly rateLimitCheck: RateLimitCheck;
  readonly standingCheck: AccountStandingCheck;
  readonly aupCheck: AupCheck;
  readonly autoBlock: AutoBlockService;
  readonly notifier: OperatorNotifier;
  readonly symbols = OUTBOUND_SYMBOL_LIST;

  constructor(
    readonly config: OutboundConfig,
    deps: OutboundProtectionDeps,
  ) {
    const clock = deps.clock ?? Date.now;
    const log = deps.log ?? { warn: (m: string) => process.stderr.write(`${m}\n`) };
    this.limiter = new OutboundRateLimiter(deps.counters, clock, config);
    this.rateLimitCheck = new RateLimitCheck(this.limiter);
    this.standingCheck = new AccountStandingCheck(deps.accounts, deps.standing, {
      complaintWeight: config.complaintWeight,
      standingWindowDays: config.standingWindowDays,
      cacheMs: deps.standingCacheMs ?? 60_000,
      now: clock,
    });
    this.aupCheck = new AupCheck(deps.aupRules, { refreshMs: deps.aupRefreshMs ?? 10_000, now: clock });
    const channels = [...(deps.notifiers ?? [])];
    if (config.webhookUrl)
      channels.push({
        name: 'webhook',
        notifier: new WebhookOperatorNotifier(config.webhookUrl, config.webhookTimeoutMs),
      });
    this.notifier = new FanOutOperatorNotifier(channels, log);
    this.autoBlock = new AutoBlockService(
      new SpamWindow(deps.counters, clock, config.autoBlockWindowMs),
      deps.accounts,
      this.notifier,
      { threshold: config.autoBlockSpamCount, windowMs: config.autoBlockWindowMs, now: clock },
      log,
    );
    this.autoBlock.onBlocked = (account) => this.standingCheck.invalidate(account);
  }

  get checks(): readonly Check[] {
    return [this.rateLimitCheck, this.standingCheck, this.aupCheck];
  }

  /** block for a blocked account, defer for an exceeded limit, otherwise the score decides. */
  forcedAction(hits: readonly SymbolHit[], envelope: Pick<ScanEnvelope, 'direction'>): Action | null {
    if (envelope.direction !== 'outbound') return null;
    return outboundForcedAction(hits.map((h) => h.name));
  }

  onVerdict(verdict: ScanVerdict, envelope: ScanEnvelope): void {
    if (envelope.direction !== 'outbound') return;
    this.autoBlock.observe(verdict, envelope);
    const who = outboundIdentity(envelope);
    if (who && verdict.action !== 'accept') this.standingCheck.invalidate(who.account);
  }

  /**
   * The routing tag: outbound mail that is allowed (accept) but scores at or above OUTBOUND_RISKY_POOL_SCORE gets
   * `X-Spam-Outbound-Pool: <OUTBOUND_RISKY_POOL_NAME>`; the MTA sends it from the separate pool so the main pool's
   * reputation stays clean.
   */
  routingHeaders(
    verdict: Pick<ScanVerdict, 'action' | 'score'>,
    envelope: Pick<ScanEnvelope, 'direction'>,
  ): [string, string][] {
    if (envelope.direction !== 'outbound' || verdict.action !== 'accept') return [];
    return verdict.score >= this.config.riskyPoolScore ? [[ROUTING_HEADER, this.config.riskyPoolName]] : [];
  }

  /** The MTA's report of what became of an account's recipients (for the failed-recipient ratio). */
  recordDelivery(
    envelope: Pick<ScanEnvelope, 'authUser' | 'mailFrom'>,
    outcome: { delivered: number; failed: number },
  ): Promise<void> {
    const who = outboundIdentity(envelope);
    return who ? this.limiter.recordDelivery(who, outcome) : Promise.resolve();
  }
}
