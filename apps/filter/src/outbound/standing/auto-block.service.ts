import { autoBlockDecision, isSpamVerdict, type ScanEnvelope, type ScanVerdict } from '@spamfilter/domain';
import { outboundIdentity } from '../outbound-identity';
import type { AccountStore, OperatorNotifier } from '../outbound-sources.port';
import type { SpamWindow } from './spam-window';

export const AUTO_BLOCK_ACTOR = 'system:auto-block';

export interface AutoBlockOptions {
  readonly threshold: number;
  readonly windowMs: number;
  readonly now: () => number;
}

export interface AutoBlockLog {
  warn(message: string): void;
}

/**
 * Watches outbound verdicts: each spam verdict (hold, reject) counts in the account's sliding window; at the
 * threshold the account is blocked (audit row by "system:auto-block"), and the operators are told (bus + webhook).
 * Runs after the answer is given (ScanExtensions.onVerdict), so it never slows a scan; `idle()` lets tests wait.
 */
export class AutoBlockService {
  private readonly pending = new Set<Promise<void>>();
  onBlocked: ((account: string) => void) | null = null;
  /** Accounts this instance blocked since start (spamfilter_outbound_auto_blocks_total). */
  blocked = 0;

  constructor(
    private readonly window: SpamWindow,
    private readonly accounts: AccountStore,
    private readonly notifier: OperatorNotifier,
    private readonly options: AutoBlockOptions,
    private readonly log: AutoBlockLog,
  ) {}

  /** Synchronous entry point for the scan service: schedules the work and returns. */
  observe(verdict: ScanVerdict, envelope: ScanEnvelope): void {
    if (envelope.direction !== 'outbound' || !isSpamVerdict(verdict.action) || this.options.threshold <= 0)
      return;
    const p: Promise<void> = this.handle(verdict, envelope)
      .then(() => undefined)
      .catch((err: unknown) =>
        this.log.warn(`auto-block: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Resolves when every scheduled observation is done. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Records one spam verdict; returns whether it blocked the account. */
  async handle(
    verdict: Pick<ScanVerdict, 'reference' | 'action'>,
    envelope: Pick<ScanEnvelope, 'authUser' | 'mailFrom'>,
  ): Promise<boolean> {
    const who = outboundIdentity(envelope);
    if (!who) return false;
    const unblockedAt = await this.accounts.lastUnblockAt(who.account);
    // The window's epoch is the last unblock: verdicts from before an operator's unblock never count again.
    const recentSpam = await this.window.record(who.account, unblockedAt?.getTime() ?? 0);
    const state = await this.accounts.state(who.account);
    const decision = autoBlockDecision({
      status: state.status,
      recentSpam,
      threshold: this.options.threshold,
      windowMs: this.options.windowMs,
    });
    if (!decision.block) return false;
    const at = new Date(this.options.now());
    const result = await this.accounts.autoBlock(who.account, decision.reason, at);
    if (!result.changed) return false;
    this.blocked++;
    this.onBlocked?.(who.account);
    await this.notifier.notify({
      kind: 'outbound_account_blocked',
      account: who.account,
      tenantId: result.tenantId,
      reason: decision.reason,
      reference: verdict.reference,
      actor: AUTO_BLOCK_ACTOR,
      at: at.toISOString(),
    });
    return true;
  }
}
