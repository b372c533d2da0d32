import type { AuthGuardLedger, LockReason } from '@spamfilter/counters';
import type { MetricsService } from '../services/metrics.service';

/** POST /v1/auth/check: may this client try a password for this account now? */
export type AuthCheckAnswer =
  | { readonly allow: true }
  | { readonly allow: false; readonly reason: LockReason; readonly retryAfterSeconds: number };

/** POST /v1/auth/result: what a reported failure did. */
export interface AuthResultAnswer {
  /** Failures in the window, this one included (0 for a success). */
  readonly failures: { readonly ip: number; readonly account: number };
  /** Lockouts this failure started. */
  readonly lockedNow: readonly LockReason[];
}

/**
 * SMTP AUTH abuse protection across connections, for the MTA (haraka-plugins/spamfilter): the plugin asks before the
 * password is checked and reports how the check went; the counts and lockouts are the ledger's (libs/counters, in the
 * counter store the API lists and clears them from). Takes clients and accounts as clientOf/accountOf return them.
 * A counter store that fails throws: the controller answers 503 and the plugin lets AUTH go on (availability first).
 */
export class AuthGuardService {
  constructor(
    private readonly ledger: AuthGuardLedger,
    private readonly metrics: MetricsService,
  ) {}

  async check(client: string, account: string | null): Promise<AuthCheckAnswer> {
    const decision = await this.ledger.check(client, account);
    if (decision.allow) return { allow: true };
    this.metrics.authRefused.inc({ reason: decision.reason });
    return {
      allow: false,
      reason: decision.reason,
      retryAfterSeconds: Math.ceil(decision.retryAfterMs / 1000),
    };
  }

  async report(client: string, account: string | null, success: boolean): Promise<AuthResultAnswer> {
    if (success) {
      if (account !== null) await this.ledger.recordSuccess(client, account);
      return { failures: { ip: 0, account: 0 }, lockedNow: [] };
    }
    this.metrics.authFailures.inc();
    const outcome = await this.ledger.recordFailure(client, account);
    for (const reason of outcome.lockedNow) this.metrics.authLockouts.inc({ reason });
    return {
      failures: { ip: outcome.counts.client, account: outcome.counts.account },
      lockedNow: outcome.lockedNow,
    };
  }
}
