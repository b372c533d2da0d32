import { DEFAULT_POLICY } from '@spamfilter/scoring';
import { Clock } from './clock';
import { GreylistService, InMemoryGreylistStore, clientNetwork } from './greylist.service';

class FakeClock extends Clock {
  t = 1_000_000;
  override now(): number {
    return this.t;
  }
}

describe('GreylistService (RFC 5321 §4.5.4.1 retries)', () => {
  const g = DEFAULT_POLICY.greylisting; // 300 s delay, 4 h pending, 36 d pass
  const t = { clientIp: '198.51.100.7', sender: 'a@x.test', recipient: 'b@y.test' };

  it('greylists a new triplet, keeps an early retry waiting, passes a retry after the delay and remembers it', async () => {
    const clock = new FakeClock();
    const s = new GreylistService(new InMemoryGreylistStore(clock), clock);
    expect(await s.check(t, g)).toBe('new');
    clock.t += 60_000;
    expect(await s.check(t, g)).toBe('early');
    clock.t += 241_000;
    expect(await s.check(t, g)).toBe('passed');
    clock.t += 30 * 24 * 3600_000;
    expect(await s.check(t, g)).toBe('passed');
    expect(await s.peek(t)).toBe('passed');
  });

  it('keys on the /24, so a retry from another address of the same pool passes', async () => {
    const clock = new FakeClock();
    const s = new GreylistService(new InMemoryGreylistStore(clock), clock);
    await s.check(t, g);
    clock.t += 301_000;
    expect(await s.check({ ...t, clientIp: '198.51.100.200' }, g)).toBe('passed');
    expect(await s.check({ ...t, clientIp: '198.51.101.7' }, g)).toBe('new');
  });

  it('forgets a triplet that never retried within the pending window', async () => {
    const clock = new FakeClock();
    const s = new GreylistService(new InMemoryGreylistStore(clock), clock);
    await s.check(t, g);
    clock.t += g.pendingTtlSeconds * 1000 + 1;
    expect(await s.check(t, g)).toBe('new');
  });

  it('keys IPv6 clients by their /64 whatever the spelling, and IPv4-mapped ones by the /24', () => {
    expect(clientNetwork('2001:db8:0:1::25')).toBe(clientNetwork('2001:0db8:0000:0001:ffff::9'));
    expect(clientNetwork('2001:db8:0:2::25')).not.toBe(clientNetwork('2001:db8:0:1::25'));
    expect(clientNetwork('::ffff:198.51.100.7')).toBe('198.51.100');
  });
});
