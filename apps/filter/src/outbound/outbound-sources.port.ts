import type { AupRule } from '@spamfilter/domain';

/**
 * What the outbound checks read and write outside the process, as narrow ports: the persistence repositories
 * (libs/persistence/src/outbound) implement them in production, the in-memory classes below in the embedded default
 * and in unit tests.
 */
export interface AccountState {
  readonly status: 'active' | 'blocked';
  readonly blockedReason: string | null;
}

export interface AccountStore {
  state(account: string): Promise<AccountState>;
  /** When an operator last unblocked the account (spam verdicts before it no longer count), or null. */
  lastUnblockAt(account: string): Promise<Date | null>;
  /** Blocks the account and writes the audit row; changed false when it was already blocked. */
  autoBlock(
    account: string,
    reason: string,
    at: Date,
  ): Promise<{ changed: boolean; tenantId: string | null }>;
}

export interface StandingStore {
  countsSince(account: string, since: Date): Promise<{ spamVerdicts: number; complaints: number }>;
}

export interface AupRuleStore {
  listEnabled(): Promise<readonly AupRule[]>;
}

/** An operator notice: the automatic block of an account (topic spamfilter.operator.v1 and the webhook). */
export interface OperatorNotice {
  readonly kind: 'outbound_account_blocked';
  readonly account: string;
  readonly tenantId: string | null;
  readonly reason: string;
  /** The scan that tipped it over. */
  readonly reference: string;
  readonly actor: string;
  readonly at: string;
}

export interface OperatorNotifier {
  notify(notice: OperatorNotice): Promise<void>;
}

export class InMemoryAccountStore implements AccountStore {
  readonly accounts = new Map<
    string,
    { status: 'active' | 'blocked'; reason: string | null; unblockedAt: Date | null }
  >();
  readonly audit: { account: string; action: string; actor: string; reason: string; at: Date }[] = [];

  async state(account: string): Promise<AccountState> {
    const a = this.accounts.get(account);
    return { status: a?.status ?? 'active', blockedReason: a?.reason ?? null };
  }

  async lastUnblockAt(account: string): Promise<Date | null> {
    return this.accounts.get(account)?.unblockedAt ?? null;
  }

  async autoBlock(
    account: string,
    reason: string,
    at: Date,
  ): Promise<{ changed: boolean; tenantId: string | null }> {
    const a = this.accounts.get(account);
    if (a?.status === 'blocked') return { changed: false, tenantId: null };
    this.accounts.set(account, { status: 'blocked', reason, unblockedAt: a?.unblockedAt ?? null });
    this.audit.push({ account, action: 'auto_block', actor: 'system:auto-block', reason, at });
    return { changed: true, tenantId: null };
  }

  unblock(account: string, actor: string, reason: string, at: Date): void {
    this.accounts.set(account, { status: 'active', reason: null, unblockedAt: at });
    this.audit.push({ account, action: 'unblock', actor, reason, at });
  }
}

export class InMemoryStandingStore implements StandingStore {
  readonly complaints = new Map<string, number>();
  readonly spam = new Map<string, number>();

  async countsSince(account: string): Promise<{ spamVerdicts: number; complaints: number }> {
    return { spamVerdicts: this.spam.get(account) ?? 0, complaints: this.complaints.get(account) ?? 0 };
  }
}

export class InMemoryAupRuleStore implements AupRuleStore {
  constructor(public rules: AupRule[] = []) {}

  async listEnabled(): Promise<readonly AupRule[]> {
    return this.rules.filter((r) => r.enabled);
  }
}
