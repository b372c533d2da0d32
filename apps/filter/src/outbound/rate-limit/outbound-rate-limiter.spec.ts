import { ManualClock, MemoryCounterStore } from '@spamfilter/counters';
import { outboundIdentity } from '../outbound-identity';
import { outboundForcedAction } from '../outbound.symbols';
import { HOUR_MS, OutboundRateLimiter, type OutboundLimits } from './outbound-rate-limiter';

const OFF: OutboundLimits = {
  accountPerHour: 0,
  accountPerDay: 0,
  domainPerHour: 0,
  domainPerDay: 0,
  maxRecipientsPerMessage: 0,
  distinctRecipientsPerHour: 0,
  failedRecipientRatio: 1,
  failedRecipientMinSample: 1,
};

function setup(limits: Partial<OutboundLimits>, start = Date.UTC(2026, 10, 22, 10, 0, 0)) {
  const clock = new ManualClock(start);
  const limiter = new OutboundRateLimiter(new MemoryCounterStore(clock), () => clock.now(), {
    ...OFF,
    ...limits,
  });
  return { limiter, advance: (ms: number) => clock.advance(ms) };
}

const alice = outboundIdentity({ authUser: 'Alice@Example.com', mailFrom: 'alice@example.com' })!;
const bob = outboundIdentity({ authUser: 'bob@example.com', mailFrom: 'bob@example.com' })!;

async function burst(limiter: OutboundRateLimiter, who = alice, n = 1) {
  const names: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    const r = await limiter.check(who, [`r${i}@dest.example`]);
    names.push(r.breaches[0]?.symbol.name ?? null);
  }
  return names;
}

describe('OutboundRateLimiter', () => {
  it('lets the Nth message of the hour through and defers the N+1th', async () => {
    const { limiter } = setup({ accountPerHour: 5 });
    const names = await burst(limiter, alice, 7);
    expect(names).toEqual([
      null,
      null,
      null,
      null,
      null,
      'OUTBOUND_RATE_ACCOUNT_HOUR',
      'OUTBOUND_RATE_ACCOUNT_HOUR',
    ]);
    expect(outboundForcedAction(['OUTBOUND_RATE_ACCOUNT_HOUR'])).toBe('defer');
  });

  it('counts per account: another account of the same domain is not limited by alice', async () => {
    const { limiter } = setup({ accountPerHour: 2 });
    await burst(limiter, alice, 3);
    expect(await burst(limiter, bob, 2)).toEqual([null, null]);
  });

  it('slides: a message leaves the window an hour after it was sent', async () => {
    const { limiter, advance } = setup({ accountPerHour: 2 });
    expect(await burst(limiter, alice, 3)).toEqual([null, null, 'OUTBOUND_RATE_ACCOUNT_HOUR']);
    advance(HOUR_MS);
    expect(await burst(limiter, alice, 1)).toEqual([null]);
  });

  it('limits the whole domain across its accounts', async () => {
    const { limiter } = setup({ domainPerHour: 3 });
    expect([...(await burst(limiter, alice, 2)), ...(await burst(limiter, bob, 2))]).toEqual([
      null,
      null,
      null,
      'OUTBOUND_RATE_DOMAIN_HOUR',
    ]);
  });

  it('does not charge the daily quota for messages deferred by the hourly limit', async () => {
    const { limiter, advance } = setup({ accountPerHour: 2, accountPerDay: 3 });
    expect(await burst(limiter, alice, 5)).toEqual([
      null,
      null,
      'OUTBOUND_RATE_ACCOUNT_HOUR',
      'OUTBOUND_RATE_ACCOUNT_HOUR',
      'OUTBOUND_RATE_ACCOUNT_HOUR',
    ]);
    advance(HOUR_MS);
    // 2 of 3 daily used: one more passes, then the day is full.
    expect(await burst(limiter, alice, 2)).toEqual([null, 'OUTBOUND_RATE_ACCOUNT_DAY']);
  });

  it('refuses more recipients per message than allowed, at exactly the limit + 1', async () => {
    const { limiter } = setup({ maxRecipientsPerMessage: 3 });
    const three = await limiter.check(alice, ['a@x.example', 'b@x.example', 'c@x.example']);
    expect(three.breaches).toEqual([]);
    const four = await limiter.check(alice, ['a@x.example', 'b@x.example', 'c@x.example', 'd@x.example']);
    expect(four.breaches[0]).toMatchObject({ limit: 3, count: 4 });
    expect(four.breaches[0].symbol.name).toBe('OUTBOUND_TOO_MANY_RCPTS');
  });

  it('counts distinct recipients per hour, not repeated ones', async () => {
    const { limiter } = setup({ distinctRecipientsPerHour: 3 });
    for (let i = 0; i < 5; i++)
      expect((await limiter.check(alice, ['same@x.example', 'Other@X.example'])).breaches).toEqual([]);
    expect((await limiter.check(alice, ['third@x.example'])).breaches).toEqual([]);
    const r = await limiter.check(alice, ['fourth@x.example']);
    expect(r.breaches[0]?.symbol.name).toBe('OUTBOUND_DISTINCT_RCPTS');
    expect(r.breaches[0]?.count).toBe(4);
  });

  it('defers an account whose recipients mostly fail, once the sample is big enough', async () => {
    const { limiter } = setup({ failedRecipientRatio: 0.5, failedRecipientMinSample: 10 });
    await limiter.recordDelivery(alice, { delivered: 2, failed: 6 });
    expect((await limiter.check(alice, ['x@y.example'])).breaches).toEqual([]); // 8 < sample of 10
    await limiter.recordDelivery(alice, { delivered: 0, failed: 2 });
    const r = await limiter.check(alice, ['x@y.example']);
    expect(r.breaches[0]?.symbol.name).toBe('OUTBOUND_FAILED_RCPT_RATIO');
    expect((await limiter.check(bob, ['x@y.example'])).breaches).toEqual([]);
  });

  it('identifies the account by the AUTH user, lower-cased, and falls back to MAIL FROM', () => {
    expect(alice).toEqual({ account: 'alice@example.com', domain: 'example.com', authenticated: true });
    expect(outboundIdentity({ authUser: 'webuser42', mailFrom: 'shop@shop.example' })).toEqual({
      account: 'webuser42',
      domain: 'shop.example',
      authenticated: true,
    });
    expect(outboundIdentity({ mailFrom: 'x@y.example' })?.authenticated).toBe(false);
    expect(outboundIdentity({ mailFrom: '' })).toBeNull();
  });
});

describe('outboundForcedAction', () => {
  it('blocks a blocked account even when it is also over a rate limit, and leaves the rest to the score', () => {
    expect(outboundForcedAction(['OUTBOUND_RATE_DOMAIN_DAY', 'OUTBOUND_ACCOUNT_BLOCKED'])).toBe('block');
    expect(outboundForcedAction(['OUTBOUND_AUP', 'OUTBOUND_STANDING_POOR'])).toBeNull();
  });
});
