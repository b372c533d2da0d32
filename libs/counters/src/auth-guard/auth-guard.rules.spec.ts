import {
  accountOf,
  authKeys,
  clientOf,
  decideAttempt,
  pairWindowMs,
  parseAuthKey,
  parseLockout,
  reachedLimits,
  validateLimits,
  type AuthGuardLimits,
  type Lockout,
} from './auth-guard.rules';

const LIMITS: AuthGuardLimits = {
  clientMaxFailures: 3,
  accountMaxFailures: 5,
  windowMs: 60_000,
  coolOffMs: 120_000,
};
const NOW = 1_000_000;
const lock = (until: number): Lockout => ({ since: NOW - 1000, until, failures: 3 });

describe('decideAttempt', () => {
  it('allows when nothing is locked, whatever the failures', () => {
    expect(decideAttempt({ clientLock: null, accountLock: null, pairFailures: 9 }, NOW)).toEqual({
      allow: true,
    });
  });

  it('refuses every account to a locked client, with the time left', () => {
    expect(decideAttempt({ clientLock: lock(NOW + 5000), accountLock: null, pairFailures: 0 }, NOW)).toEqual({
      allow: false,
      reason: 'ip',
      retryAfterMs: 5000,
    });
  });

  it('refuses a locked account only to a client that has failed for it (the real user still logs in)', () => {
    const accountLock = lock(NOW + 7000);
    expect(decideAttempt({ clientLock: null, accountLock, pairFailures: 1 }, NOW)).toEqual({
      allow: false,
      reason: 'account',
      retryAfterMs: 7000,
    });
    expect(decideAttempt({ clientLock: null, accountLock, pairFailures: 0 }, NOW)).toEqual({ allow: true });
  });

  it('names the client lockout when both apply and waits for the later end', () => {
    expect(
      decideAttempt({ clientLock: lock(NOW + 1000), accountLock: lock(NOW + 9000), pairFailures: 2 }, NOW),
    ).toEqual({
      allow: false,
      reason: 'ip',
      retryAfterMs: 9000,
    });
  });

  it('ignores a lockout that has ended (a store that has not expired it yet)', () => {
    expect(
      decideAttempt({ clientLock: lock(NOW), accountLock: lock(NOW - 1), pairFailures: 1 }, NOW),
    ).toEqual({ allow: true });
  });
});

describe('reachedLimits', () => {
  it('locks at the configured count, not before', () => {
    expect(reachedLimits({ client: 2, account: 4 }, LIMITS)).toEqual([]);
    expect(reachedLimits({ client: 3, account: 4 }, LIMITS)).toEqual(['ip']);
    expect(reachedLimits({ client: 3, account: 5 }, LIMITS)).toEqual(['ip', 'account']);
    expect(reachedLimits({ client: 1, account: 6 }, LIMITS)).toEqual(['account']);
  });

  it('never locks for a limit of 0', () => {
    expect(
      reachedLimits(
        { client: 1000, account: 1000 },
        { ...LIMITS, clientMaxFailures: 0, accountMaxFailures: 0 },
      ),
    ).toEqual([]);
  });
});

describe('limits', () => {
  it('remembers a client’s failures for an account as long as an account lockout begun by them can last', () => {
    expect(pairWindowMs(LIMITS)).toBe(180_000);
  });

  it('refuses negative or fractional limits and empty windows', () => {
    expect(() => validateLimits({ ...LIMITS, clientMaxFailures: -1 })).toThrow(RangeError);
    expect(() => validateLimits({ ...LIMITS, accountMaxFailures: 1.5 })).toThrow(RangeError);
    expect(() => validateLimits({ ...LIMITS, windowMs: 0 })).toThrow(RangeError);
    expect(() => validateLimits(LIMITS)).not.toThrow();
  });
});

describe('clientOf', () => {
  it('keeps IPv4 addresses and unmaps IPv4-mapped IPv6', () => {
    expect(clientOf('192.0.2.7')).toBe('192.0.2.7');
    expect(clientOf('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientOf('192.0.2.7/32')).toBe('192.0.2.7');
  });

  it('counts IPv6 by its /64, in one spelling', () => {
    expect(clientOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientOf('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientOf('2001:db8:1:2::/64')).toBe('2001:db8:1:2::/64');
  });

  it('refuses what is not an address or a client', () => {
    for (const bad of ['', 'localhost', '192.0.2.0/24', '2001:db8::/48', '1.2.3.4/32/1', '999.1.1.1'])
      expect(clientOf(bad)).toBeNull();
  });
});

describe('accountOf', () => {
  it('merges case and surrounding space, drops control characters', () => {
    expect(accountOf(' Alice@Example.NET ')).toBe('alice@example.net');
    expect(accountOf('ali\u0000ce\r\n@example.net')).toBe('alice@example.net');
    expect(accountOf(' \t')).toBeNull();
  });

  it('cuts absurdly long names', () => {
    expect(accountOf('x'.repeat(5000))).toHaveLength(256);
  });
});

describe('keys', () => {
  it('round-trips every key, account names with any characters included', () => {
    const account = 'we:ird*[name]?@example.net';
    const client = '2001:db8:1:2::/64';
    expect(parseAuthKey(authKeys.clientFailures(client))).toEqual({ kind: 'clientFailures', client });
    expect(parseAuthKey(authKeys.clientLock('192.0.2.1'))).toEqual({
      kind: 'clientLock',
      client: '192.0.2.1',
    });
    expect(parseAuthKey(authKeys.accountFailures(account))).toEqual({ kind: 'accountFailures', account });
    expect(parseAuthKey(authKeys.accountLock(account))).toEqual({ kind: 'accountLock', account });
    expect(parseAuthKey(authKeys.pairFailures(account, client))).toEqual({
      kind: 'pairFailures',
      account,
      client,
    });
    expect(authKeys.pairFailures(account, client).startsWith(authKeys.pairsOfAccount(account))).toBe(true);
    expect(authKeys.accountLock(account)).not.toMatch(/[*?[\]]/);
  });

  it('knows nothing of foreign keys and foreign values', () => {
    expect(parseAuthKey('grey:1.2.3.0|a|b')).toBeNull();
    expect(parseAuthKey('auth:other:x')).toBeNull();
    expect(parseLockout('not json')).toBeNull();
    expect(parseLockout('{"since":1}')).toBeNull();
    expect(parseLockout(null)).toBeNull();
    expect(parseLockout('{"since":1,"until":2,"failures":3}')).toEqual({ since: 1, until: 2, failures: 3 });
  });
});
