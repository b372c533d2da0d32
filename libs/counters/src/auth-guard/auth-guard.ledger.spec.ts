import { ManualClock } from '../clock';
import { MemoryCounterStore } from '../memory-counter-store';
import { AuthGuardLedger } from './auth-guard.ledger';
import type { AuthGuardLimits } from './auth-guard.rules';

const LIMITS: AuthGuardLimits = {
  clientMaxFailures: 3,
  accountMaxFailures: 4,
  windowMs: 60_000,
  coolOffMs: 120_000,
};
const ATTACKER = '192.0.2.66';
const USER_IP = '198.51.100.5';

describe('AuthGuardLedger (memory store, manual clock)', () => {
  let clock: ManualClock;
  let ledger: AuthGuardLedger;

  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    ledger = new AuthGuardLedger(new MemoryCounterStore(clock), LIMITS, () => clock.now());
  });

  const fail = async (client: string, account: string, times = 1) => {
    let last = await ledger.recordFailure(client, account);
    for (let i = 1; i < times; i++) last = await ledger.recordFailure(client, account);
    return last;
  };

  it('locks a client after the configured failures, across accounts, for the cool-off', async () => {
    await fail(ATTACKER, 'a@example.net');
    await fail(ATTACKER, 'b@example.net');
    expect(await ledger.check(ATTACKER, 'c@example.net')).toEqual({ allow: true });
    const third = await fail(ATTACKER, 'c@example.net');
    expect(third).toEqual({ counts: { client: 3, account: 1 }, lockedNow: ['ip'] });
    expect(await ledger.check(ATTACKER, 'anyone@example.net')).toEqual({
      allow: false,
      reason: 'ip',
      retryAfterMs: 120_000,
    });
    expect(await ledger.check(ATTACKER, null)).toMatchObject({ allow: false, reason: 'ip' });
    expect(await ledger.check(USER_IP, 'a@example.net')).toEqual({ allow: true });
    clock.advance(119_999);
    expect(await ledger.check(ATTACKER, 'a@example.net')).toMatchObject({ allow: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(await ledger.check(ATTACKER, 'a@example.net')).toEqual({ allow: true });
  });

  it('starts a lockout once: further failures neither restart nor extend it', async () => {
    await fail(ATTACKER, 'a@example.net', 3);
    clock.advance(10_000);
    expect(await fail(ATTACKER, 'b@example.net')).toEqual({
      counts: { client: 4, account: 1 },
      lockedNow: [],
    });
    expect(await ledger.check(ATTACKER, 'b@example.net')).toMatchObject({ retryAfterMs: 110_000 });
  });

  it('counts failures in a sliding window: old failures do not add up', async () => {
    await fail(ATTACKER, 'a@example.net', 2);
    clock.advance(60_000);
    expect((await fail(ATTACKER, 'a@example.net')).counts.client).toBe(1);
    expect(await ledger.check(ATTACKER, 'a@example.net')).toEqual({ allow: true });
  });

  it('locks an account sprayed from many clients against those clients only; the real user still gets in', async () => {
    const bots = ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'];
    const outcomes = [];
    for (const bot of bots) outcomes.push(await fail(bot, 'victim@example.net'));
    expect(outcomes.map((o) => o.lockedNow)).toEqual([[], [], [], ['account']]);
    for (const bot of bots)
      expect(await ledger.check(bot, 'victim@example.net')).toMatchObject({
        allow: false,
        reason: 'account',
      });
    // A bot that never failed for the account, and the user's own address, may still try.
    expect(await ledger.check('203.0.113.99', 'victim@example.net')).toEqual({ allow: true });
    expect(await ledger.check(USER_IP, 'victim@example.net')).toEqual({ allow: true });
    // The bots may still try other accounts (each failed only once as a client).
    expect(await ledger.check(bots[0], 'other@example.net')).toEqual({ allow: true });
  });

  it('a client that failed early in the window is still refused for the whole account lockout', async () => {
    await fail('203.0.113.1', 'victim@example.net');
    clock.advance(59_000);
    await fail('203.0.113.2', 'victim@example.net', 3); // 4 for the account: locked until now + 120 s
    clock.advance(119_000); // 178 s after 203.0.113.1's failure, which left the 60 s window long ago
    expect(await ledger.check('203.0.113.1', 'victim@example.net')).toMatchObject({
      allow: false,
      reason: 'account',
    });
  });

  it('a success clears that client for that account only, not its failures for other accounts', async () => {
    await fail(USER_IP, 'mallory@example.net');
    await fail(USER_IP, 'victim@example.net');
    for (const bot of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) await fail(bot, 'victim@example.net');
    expect(await ledger.check(USER_IP, 'victim@example.net')).toMatchObject({
      allow: false,
      reason: 'account',
    });
    await ledger.recordSuccess(USER_IP, 'victim@example.net');
    expect(await ledger.check(USER_IP, 'victim@example.net')).toEqual({ allow: true });
    // Its two earlier failures still count: one more locks the client out.
    expect((await fail(USER_IP, 'mallory@example.net')).lockedNow).toEqual(['ip']);
  });

  it('lists lockouts with the clients an account lockout refuses, and failure counts highest first', async () => {
    await fail(ATTACKER, 'a@example.net', 3);
    for (const bot of ['203.0.113.1', '203.0.113.2']) await fail(bot, 'victim@example.net', 2);
    const listing = await ledger.list(100);
    expect(listing.truncated).toBe(false);
    expect(listing.limits).toEqual(LIMITS);
    expect(listing.lockouts).toEqual(
      expect.arrayContaining([
        { reason: 'ip', ip: ATTACKER, since: 1_000_000, until: 1_120_000, failures: 3 },
        {
          reason: 'account',
          account: 'victim@example.net',
          since: 1_000_000,
          until: 1_120_000,
          failures: 4,
          refusedIps: ['203.0.113.1', '203.0.113.2'],
        },
      ]),
    );
    expect(listing.lockouts).toHaveLength(2);
    expect(listing.failures.ips).toEqual([
      { ip: ATTACKER, failures: 3 },
      { ip: '203.0.113.1', failures: 2 },
      { ip: '203.0.113.2', failures: 2 },
    ]);
    expect(listing.failures.accounts).toEqual([
      { account: 'victim@example.net', failures: 4 },
      { account: 'a@example.net', failures: 3 },
    ]);
    expect((await ledger.list(2)).truncated).toBe(true);
    clock.advance(180_000);
    expect(await ledger.list(100)).toMatchObject({ lockouts: [], failures: { ips: [], accounts: [] } });
  });

  it('clearing a client ends its lockout and its refusals for locked accounts, and nothing of other clients', async () => {
    await fail(ATTACKER, 'victim@example.net', 3);
    await fail('203.0.113.1', 'victim@example.net');
    expect(await ledger.check(ATTACKER, 'victim@example.net')).toMatchObject({ allow: false });
    expect(await ledger.clearClient(ATTACKER)).toEqual({ lockout: true, keysRemoved: 2 });
    expect(await ledger.check(ATTACKER, 'victim@example.net')).toEqual({ allow: true });
    expect(await ledger.check('203.0.113.1', 'victim@example.net')).toMatchObject({
      allow: false,
      reason: 'account',
    });
    expect(await ledger.clearClient(ATTACKER)).toEqual({ lockout: false, keysRemoved: 0 });
  });

  it('clearing an account ends its lockout for every client and forgets its failures', async () => {
    for (const bot of ['203.0.113.1', '203.0.113.2']) await fail(bot, 'victim@example.net', 2);
    expect(await ledger.clearAccount('victim@example.net')).toEqual({ lockout: true, keysRemoved: 3 });
    expect(await ledger.check('203.0.113.1', 'victim@example.net')).toEqual({ allow: true });
    expect((await fail('203.0.113.9', 'victim@example.net')).counts.account).toBe(1);
    // The clients' own counts are theirs: clearing the account does not clear them.
    expect((await fail('203.0.113.1', 'someone@example.net')).counts.client).toBe(3);
  });

  it('with both limits 0 counts but never locks', async () => {
    const off = new AuthGuardLedger(
      new MemoryCounterStore(clock),
      { ...LIMITS, clientMaxFailures: 0, accountMaxFailures: 0 },
      () => clock.now(),
    );
    for (let i = 0; i < 50; i++) await off.recordFailure(ATTACKER, 'a@example.net');
    expect(await off.check(ATTACKER, 'a@example.net')).toEqual({ allow: true });
  });
});
