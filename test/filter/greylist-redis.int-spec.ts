import { randomBytes } from 'node:crypto';
import { loadConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import Redis from 'ioredis';
import request from 'supertest';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { Clock } from '../../apps/filter/src/services/clock';
import { InMemoryPolicySource } from '../../apps/filter/src/services/policy.service';

class MovableClock extends Clock {
  offset = 0;
  override now(): number {
    return Date.now() + this.offset;
  }
}

/**
 * Greylisting on the real Redis (scripts/services.sh): the triplet state is shared by every filter instance, so a
 * retry that reaches another instance passes too (RFC 5321 §4.5.4.1 retry after the minimum delay).
 */
describe('greylisting with Redis, across two filter instances', () => {
  const env = {
    COUNTERS: 'redis',
    REDIS_URL: 'redis://127.0.0.1:6379/0',
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
  };
  const clock = new MovableClock();
  const policies = new InMemoryPolicySource();
  // An undecided message: a bare HELO weighted into a greylisting band below tag (4 ≤ score < 6) for this test. The
  // default policy greylists from its tag threshold on, so this test sets a band of its own.
  policies.setGlobal({ weights: { HELO_NOT_FQDN: 4.5 }, thresholds: { greylist: 4, tag: 6 } });
  let a: FilterApp;
  let b: FilterApp;

  beforeAll(async () => {
    a = await createFilterApp(loadConfig(env), { policies, clock, connectCounters: true });
    b = await createFilterApp(loadConfig(env), { policies, clock, connectCounters: true });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    // Whitelisted triplets live 36 days: remove this run's keys.
    const redis = new Redis(env.REDIS_URL);
    const keys = await redis.keys(`${env.REDIS_KEY_PREFIX}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  const scan = async (app: FilterApp, rcpt: string, ip = '198.51.100.20'): Promise<ScanVerdict> =>
    (
      await request(app.server)
        .post('/v1/scan')
        .set({
          [SCAN_HEADERS.clientIp]: ip,
          [SCAN_HEADERS.helo]: 'desktop',
          [SCAN_HEADERS.mailFrom]: 'news@sender.example',
          [SCAN_HEADERS.rcptTo]: rcpt,
          'content-type': 'message/rfc822',
        })
        .send('From: news@sender.example\r\nSubject: weekly\r\n\r\nhello\r\n')
        .expect(200)
    ).body as ScanVerdict;
  const state = (v: ScanVerdict): string | undefined =>
    v.recipients[0].symbols.find((s) => s.name === 'GREYLIST')?.options[0];

  it('451s a new triplet, keeps an early retry waiting, and lets a retry after the delay through on the other instance', async () => {
    const first = await scan(a, 'bob@hosted.example');
    expect(first.smtp).toMatchObject({ code: 451, enhanced: '4.7.1' });
    expect(state(first)).toBe('new');
    const early = await scan(b, 'bob@hosted.example');
    expect(early.action).toBe('greylist');
    expect(state(early)).toBe('early');
    clock.offset += 301_000;
    const retry = await scan(b, 'bob@hosted.example', '198.51.100.77'); // same /24, another address of the pool
    expect(state(retry)).toBe('passed');
    expect(retry.action).toBe('accept');
    expect(state(await scan(a, 'bob@hosted.example'))).toBe('passed');
  });

  it('keeps triplets apart per recipient and tells the SMTP side the state before DATA', async () => {
    expect(state(await scan(a, 'carol@hosted.example'))).toBe('new');
    const pre = await request(a.server)
      .post('/v1/recipient')
      .set({
        [SCAN_HEADERS.clientIp]: '198.51.100.20',
        [SCAN_HEADERS.helo]: 'desktop',
        [SCAN_HEADERS.mailFrom]: 'news@sender.example',
        [SCAN_HEADERS.rcptTo]: 'bob@hosted.example',
      })
      .expect(200);
    expect(pre.body).toMatchObject({ action: 'accept', greylist: 'passed' });
    const h = await request(a.server).get('/health').expect(200);
    expect(h.body.dependencies.counters.state).toBe('up');
  });
});
