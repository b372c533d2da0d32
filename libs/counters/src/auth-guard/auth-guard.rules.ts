/**
 * SMTP AUTH abuse protection across connections: who is locked out, decided from counts (pure; the ledger gathers
 * the counts from the counter store). Shared by the filter (counts and decides) and the API (lists and clears), so
 * both use one key layout.
 *
 * Two lockouts, each started when its limit is reached within the window and lasting the cool-off:
 * - client ('ip'): too many failures from one client, any accounts. AUTH from that client is refused.
 * - account: too many failures for one account, from any clients (a password-spraying botnet gives each IP only a few
 *   tries). AUTH for that account is refused only to the clients that have failed for it, so the real user, who
 *   logs in from an address that has not been failing, keeps working while the account is under attack.
 * A success does not erase a client's failures (an attacker with one valid account could otherwise reset its count
 * between guesses); it only clears that client's failures for that one account.
 */
import ipaddr from 'ipaddr.js';

export interface AuthGuardLimits {
  /** Failures from one client within windowMs that start a client lockout (0: never). */
  readonly clientMaxFailures: number;
  /** Failures for one account, from any clients, within windowMs that start an account lockout (0: never). */
  readonly accountMaxFailures: number;
  readonly windowMs: number;
  readonly coolOffMs: number;
}

/** 'ip' is a client lockout (an IPv4 address or an IPv6 /64), 'account' an account lockout. */
export type LockReason = 'ip' | 'account';

export interface Lockout {
  /** When the limit was reached (ms since the epoch). */
  readonly since: number;
  /** When the lockout ends. */
  readonly until: number;
  /** The failures in the window that reached the limit. */
  readonly failures: number;
}

/** What the ledger read for one AUTH attempt of `account` from a client. */
export interface AttemptState {
  readonly clientLock: Lockout | null;
  readonly accountLock: Lockout | null;
  /** This client's failures for this account (remembered for window + cool-off, see pairWindowMs). */
  readonly pairFailures: number;
}

export type AttemptDecision =
  | { readonly allow: true }
  | { readonly allow: false; readonly reason: LockReason; readonly retryAfterMs: number };

export function validateLimits(l: AuthGuardLimits): void {
  for (const [name, v] of Object.entries(l)) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`auth guard: ${name} must be an integer ≥ 0, got ${v}`);
  }
  if (l.windowMs <= 0 || l.coolOffMs <= 0)
    throw new RangeError('auth guard: windowMs and coolOffMs must be positive');
}

/**
 * May this AUTH attempt go on to the password check? A client lockout refuses every account; an account lockout
 * refuses only a client that has failed for that account. When both apply, the client's is named (it refuses more).
 */
export function decideAttempt(state: AttemptState, now: number): AttemptDecision {
  const live = (l: Lockout | null): l is Lockout => l !== null && l.until > now;
  const client = live(state.clientLock) ? state.clientLock : null;
  const account = live(state.accountLock) && state.pairFailures > 0 ? state.accountLock : null;
  if (!client && !account) return { allow: true };
  const until = Math.max(client?.until ?? 0, account?.until ?? 0);
  return { allow: false, reason: client ? 'ip' : 'account', retryAfterMs: until - now };
}

/** The lockouts that a failure with these counts (this failure included) reaches. */
export function reachedLimits(
  counts: { readonly client: number; readonly account: number },
  l: AuthGuardLimits,
): LockReason[] {
  const out: LockReason[] = [];
  if (l.clientMaxFailures > 0 && counts.client >= l.clientMaxFailures) out.push('ip');
  if (l.accountMaxFailures > 0 && counts.account >= l.accountMaxFailures) out.push('account');
  return out;
}

/**
 * How long a client's failure for an account is remembered: an account lockout started at T (from failures since
 * T − window) lasts until T + cool-off and must still see every client that failed in that span.
 */
export function pairWindowMs(l: AuthGuardLimits): number {
  return l.windowMs + l.coolOffMs;
}

/**
 * The client an address counts for: IPv4 as is (IPv4-mapped IPv6 too), IPv6 as its /64 — one subscriber usually
 * holds a whole /64, so counting single IPv6 addresses would give an attacker 2^64 fresh clients. Accepts an
 * address or a client as returned here ('2001:db8:1:2::/64', '192.0.2.1/32'); null when it is neither.
 */
export function clientOf(ip: string): string | null {
  const [addr, bits, ...rest] = ip.trim().split('/');
  if (rest.length > 0 || !ipaddr.isValid(addr)) return null;
  const parsed = ipaddr.process(addr);
  if (parsed.kind() === 'ipv4') return bits === undefined || bits === '32' ? parsed.toString() : null;
  if (bits !== undefined && bits !== '64') return null;
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4).concat([0, 0, 0, 0]);
  return `${new ipaddr.IPv6(parts).toString()}/64`;
}

/** Longest account name kept; longer names (no real mailbox has one) are cut, which only merges bogus names. */
export const MAX_ACCOUNT_CHARS = 256;

/**
 * The account an AUTH user name counts for: control characters dropped, trimmed, lower-cased (an attacker must not
 * get a fresh count by changing case; providers treat mailbox names case-insensitively), at most MAX_ACCOUNT_CHARS.
 * null for an empty name.
 */
export function accountOf(user: string): string | null {
  const a = user
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .toLowerCase()
    .slice(0, MAX_ACCOUNT_CHARS);
  return a === '' ? null : a;
}

/**
 * Counter-store keys (the store adds REDIS_KEY_PREFIX). Account names are client-chosen text, so they are base64url
 * in keys: no ':' to split on wrongly, no glob characters for SCAN.
 */
const enc = (account: string): string => Buffer.from(account, 'utf8').toString('base64url');
const dec = (s: string): string => Buffer.from(s, 'base64url').toString('utf8');

export const AUTH_KEY_PREFIX = 'auth:';

export const authKeys = {
  clientFailures: (client: string) => `auth:f:ip:${client}`,
  accountFailures: (account: string) => `auth:f:acct:${enc(account)}`,
  pairFailures: (account: string, client: string) => `auth:f:pair:${enc(account)}:${client}`,
  /** Every pair key of one account. */
  pairsOfAccount: (account: string) => `auth:f:pair:${enc(account)}:`,
  pairsPrefix: 'auth:f:pair:',
  clientLock: (client: string) => `auth:lock:ip:${client}`,
  accountLock: (account: string) => `auth:lock:acct:${enc(account)}`,
};

export type AuthKey =
  | { readonly kind: 'clientFailures' | 'clientLock'; readonly client: string }
  | { readonly kind: 'accountFailures' | 'accountLock'; readonly account: string }
  | { readonly kind: 'pairFailures'; readonly account: string; readonly client: string };

/** What a key of authKeys is about; null for anything else. */
export function parseAuthKey(key: string): AuthKey | null {
  const m = /^auth:(f:ip|f:acct|f:pair|lock:ip|lock:acct):(.+)$/.exec(key);
  if (!m) return null;
  const rest = m[2];
  switch (m[1]) {
    case 'f:ip':
      return { kind: 'clientFailures', client: rest };
    case 'lock:ip':
      return { kind: 'clientLock', client: rest };
    case 'f:acct':
      return { kind: 'accountFailures', account: dec(rest) };
    case 'lock:acct':
      return { kind: 'accountLock', account: dec(rest) };
    case 'f:pair': {
      const i = rest.indexOf(':');
      return i <= 0
        ? null
        : { kind: 'pairFailures', account: dec(rest.slice(0, i)), client: rest.slice(i + 1) };
    }
    default:
      return null;
  }
}

/** A stored lockout value, or null when it is not one (a foreign or damaged value is no lockout). */
export function parseLockout(value: string | null): Lockout | null {
  if (value === null) return null;
  try {
    const v = JSON.parse(value) as Partial<Lockout>;
    if (typeof v.since === 'number' && typeof v.until === 'number' && typeof v.failures === 'number') {
      return { since: v.since, until: v.until, failures: v.failures };
    }
  } catch {
    /* not JSON */
  }
  return null;
}
