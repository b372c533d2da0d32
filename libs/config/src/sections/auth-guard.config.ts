import { configKey } from '../config-key';

/**
 * SMTP AUTH abuse protection across connections (submission): Haraka's auth plugins slow password guessing only
 * within one connection (the reply to the n-th failure waits 2^(n-1) s), so an attacker who opens a fresh connection
 * per guess is never slowed. The filter counts failures per client and per account in the counter store (COUNTERS:
 * Redis in production, shared by every filter and API instance) and the plugin answers AUTH with 454 4.7.0 while a
 * lockout lasts. A client is an IPv4 address or an IPv6 /64 (one subscriber's prefix). A limit of 0 switches that
 * lockout off.
 */
export const authGuardSection = {
  clientMaxFailures: configKey.int(
    'AUTH_GUARD_IP_FAILURES',
    'Failed SMTP AUTH attempts from one client IP (IPv6: its /64), any accounts, within AUTH_GUARD_WINDOW_MS after which AUTH from that IP is refused (454 4.7.0) for AUTH_GUARD_COOLOFF_MS (0: no IP lockout)',
    10,
    { min: 0 },
  ),
  accountMaxFailures: configKey.int(
    'AUTH_GUARD_ACCOUNT_FAILURES',
    'Failed SMTP AUTH attempts for one account, from any IPs, within AUTH_GUARD_WINDOW_MS after which that account is locked for AUTH_GUARD_COOLOFF_MS against the IPs that failed for it; other IPs still log in with the right password (0: no account lockout)',
    20,
    { min: 0 },
  ),
  windowMs: configKey.int(
    'AUTH_GUARD_WINDOW_MS',
    'Sliding window over which failed SMTP AUTH attempts are counted',
    600000,
    {
      min: 1000,
    },
  ),
  coolOffMs: configKey.int(
    'AUTH_GUARD_COOLOFF_MS',
    'How long a lockout lasts once a limit is reached (an operator can clear it sooner)',
    900000,
    {
      min: 1000,
    },
  ),
};
