import type { CounterStore } from '../counter-store.port';
import {
  AUTH_KEY_PREFIX,
  authKeys,
  decideAttempt,
  pairWindowMs,
  parseAuthKey,
  parseLockout,
  reachedLimits,
  validateLimits,
  type AttemptDecision,
  type AuthGuardLimits,
  type LockReason,
  type Lockout,
} from './auth-guard.rules';

export interface FailureOutcome {
  /** Failures in the window, this one included. */
  readonly counts: { readonly client: number; readonly account: number };
  /** Lockouts this failure started (not those already running). */
  readonly lockedNow: readonly LockReason[];
}

export type LockoutEntry =
  | ({ readonly reason: 'ip'; readonly ip: string } & Lockout)
  | ({
      readonly reason: 'account';
      readonly account: string;
      readonly refusedIps: readonly string[];
    } & Lockout);

export interface AuthGuardListing {
  readonly limits: AuthGuardLimits;
  readonly lockouts: readonly LockoutEntry[];
  /** Failure counts in the window, highest first. */
  readonly failures: {
    readonly ips: readonly { readonly ip: string; readonly failures: number }[];
    readonly accounts: readonly { readonly account: string; readonly failures: number }[];
  };
  /** More keys than the listing's limit: counts and lockouts beyond it are left out. */
  readonly truncated: boolean;
}

export interface ClearOutcome {
  /** Whether a lockout was running (and is now gone). */
  readonly lockout: boolean;
  /** Counters and pair marks removed. */
  readonly keysRemoved: number;
}

/** How many pair keys clearing one client looks through (Redis SCANs the keyspace for them). */
const CLEAR_SCAN_LIMIT = 100_000;

/**
 * The AUTH failure counts and lockouts in the counter store (COUNTERS: Redis in production, shared by every filter and
 * API instance; the embedded launcher shares one in-memory store between the two). Takes clients and accounts as
 * clientOf/accountOf return them. Store failures are thrown: the caller decides (the filter answers 503 and the
 * plugin lets AUTH go on).
 */
export class AuthGuardLedger {
  constructor(
    private readonly store: CounterStore,
    readonly limits: AuthGuardLimits,
    private readonly now: () => number = Date.now,
  ) {
    validateLimits(limits);
  }

  /** May `account` (null: not known yet) try a password from `client` now? */
  async check(client: string, account: string | null): Promise<AttemptDecision> {
    const now = this.now();
    const [clientLock, accountLock, pairFailures] = await Promise.all([
      this.lockout(authKeys.clientLock(client)),
      account === null ? null : this.lockout(authKeys.accountLock(account)),
      account === null
        ? 0
        : this.store.count(authKeys.pairFailures(account, client), pairWindowMs(this.limits), now),
    ]);
    return decideAttempt({ clientLock, accountLock, pairFailures }, now);
  }

  /**
   * One failed password check. Counts it for the client, the account and the pair, and starts the lockouts whose
   * limit it reaches; setIfAbsent makes exactly one of concurrent failures (any instance) start each lockout, and a
   * running lockout is not extended by further failures.
   */
  async recordFailure(client: string, account: string | null): Promise<FailureOutcome> {
    const now = this.now();
    const { windowMs, coolOffMs } = this.limits;
    const [clientCount, accountCount] = await Promise.all([
      this.store.hit(authKeys.clientFailures(client), windowMs, now),
      account === null ? 0 : this.store.hit(authKeys.accountFailures(account), windowMs, now),
      account === null
        ? 0
        : this.store.hit(authKeys.pairFailures(account, client), pairWindowMs(this.limits), now),
    ]);
    const counts = { client: clientCount, account: accountCount };
    const lockedNow: LockReason[] = [];
    for (const reason of reachedLimits(counts, this.limits)) {
      const key = reason === 'ip' ? authKeys.clientLock(client) : authKeys.accountLock(account!);
      const lock: Lockout = {
        since: now,
        until: now + coolOffMs,
        failures: reason === 'ip' ? clientCount : accountCount,
      };
      if (await this.store.setIfAbsent(key, JSON.stringify(lock), coolOffMs)) lockedNow.push(reason);
    }
    return { counts, lockedNow };
  }

  /**
   * The right password: this client is no longer one that failed for this account (an account lockout stops refusing
   * it). Its failures for other accounts, and the account's failures from other clients, stay.
   */
  async recordSuccess(client: string, account: string): Promise<void> {
    await this.store.delete(authKeys.pairFailures(account, client));
  }

  /** Running lockouts and failure counts, from at most `limit` keys. */
  async list(limit: number): Promise<AuthGuardListing> {
    const now = this.now();
    const { windowMs } = this.limits;
    const keys = await this.store.keys(AUTH_KEY_PREFIX, limit + 1);
    const truncated = keys.length > limit;
    const parsed = keys.slice(0, limit).map((k) => ({ key: k, what: parseAuthKey(k) }));
    const lockouts: LockoutEntry[] = [];
    const ips: { ip: string; failures: number }[] = [];
    const accounts: { account: string; failures: number }[] = [];
    const refused = new Map<string, string[]>();
    await Promise.all(
      parsed.map(async ({ key, what }) => {
        if (!what) return;
        switch (what.kind) {
          case 'clientLock': {
            const l = await this.lockout(key);
            if (l && l.until > now) lockouts.push({ reason: 'ip', ip: what.client, ...l });
            return;
          }
          case 'accountLock': {
            const l = await this.lockout(key);
            if (l && l.until > now)
              lockouts.push({ reason: 'account', account: what.account, refusedIps: [], ...l });
            return;
          }
          case 'clientFailures': {
            const n = await this.store.count(key, windowMs, now);
            if (n > 0) ips.push({ ip: what.client, failures: n });
            return;
          }
          case 'accountFailures': {
            const n = await this.store.count(key, windowMs, now);
            if (n > 0) accounts.push({ account: what.account, failures: n });
            return;
          }
          case 'pairFailures': {
            const n = await this.store.count(key, pairWindowMs(this.limits), now);
            if (n > 0) refused.set(what.account, [...(refused.get(what.account) ?? []), what.client]);
            return;
          }
          default: {
            const unknownKind: never = what;
            throw new Error(`unknown auth key ${JSON.stringify(unknownKind)}`);
          }
        }
      }),
    );
    const withIps = lockouts.map((l) =>
      l.reason === 'account' ? { ...l, refusedIps: (refused.get(l.account) ?? []).sort() } : l,
    );
    return {
      limits: this.limits,
      lockouts: withIps.sort((a, b) => b.since - a.since),
      failures: {
        ips: ips.sort((a, b) => b.failures - a.failures || a.ip.localeCompare(b.ip)),
        accounts: accounts.sort((a, b) => b.failures - a.failures || a.account.localeCompare(b.account)),
      },
      truncated,
    };
  }

  /** Ends a client's lockout and forgets its failures, for every account. */
  async clearClient(client: string): Promise<ClearOutcome> {
    const lockout = await this.store.delete(authKeys.clientLock(client));
    const pairs = (await this.store.keys(authKeys.pairsPrefix, CLEAR_SCAN_LIMIT)).filter((k) => {
      const what = parseAuthKey(k);
      return what?.kind === 'pairFailures' && what.client === client;
    });
    const removed = await Promise.all(
      [authKeys.clientFailures(client), ...pairs].map((k) => this.store.delete(k)),
    );
    return { lockout, keysRemoved: removed.filter(Boolean).length };
  }

  /** Ends an account's lockout and forgets its failures from every client. */
  async clearAccount(account: string): Promise<ClearOutcome> {
    const lockout = await this.store.delete(authKeys.accountLock(account));
    const pairs = await this.store.keys(authKeys.pairsOfAccount(account), CLEAR_SCAN_LIMIT);
    const removed = await Promise.all(
      [authKeys.accountFailures(account), ...pairs].map((k) => this.store.delete(k)),
    );
    return { lockout, keysRemoved: removed.filter(Boolean).length };
  }

  private async lockout(key: string): Promise<Lockout | null> {
    return parseLockout(await this.store.get(key));
  }
}
