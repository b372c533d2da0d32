import { loadConfig } from '@spamfilter/config';
import { MemoryCounterStore } from '@spamfilter/counters';
import request from 'supertest';
import { createFilterApp, type FilterApp } from '../bootstrap';

const config = loadConfig({
  AUTH_GUARD_IP_FAILURES: '3',
  AUTH_GUARD_ACCOUNT_FAILURES: '5',
  AUTH_GUARD_COOLOFF_MS: '60000',
});

/** A counter store whose every command fails, as RedisCounterStore's do while Redis is down. */
class DownStore extends MemoryCounterStore {
  private down = (): Promise<never> => Promise.reject(new Error('Redis not connected (reconnecting)'));
  override hit = this.down;
  override count = this.down;
  override get = this.down;
  override setIfAbsent = this.down;
  override delete = this.down;
}

describe('POST /v1/auth/check and /v1/auth/result (embedded defaults: in-memory counters)', () => {
  let filter: FilterApp;
  beforeAll(async () => {
    filter = await createFilterApp(config, {});
  });
  afterAll(async () => {
    await filter.close();
  });

  const check = (body: object) => request(filter.server).post('/v1/auth/check').send(body);
  const result = (body: object) => request(filter.server).post('/v1/auth/result').send(body);

  it('refuses a client after AUTH_GUARD_IP_FAILURES failures reported by the MTA, and counts it in /metrics', async () => {
    expect((await check({ ip: '192.0.2.1', account: 'alice@example.net' }).expect(200)).body).toEqual({
      allow: true,
    });
    await result({ ip: '192.0.2.1', account: 'alice@example.net', success: false }).expect(200);
    await result({ ip: '192.0.2.1', account: 'bob@example.net', success: false }).expect(200);
    const third = await result({
      ip: '::ffff:192.0.2.1',
      account: 'Alice@Example.net',
      success: false,
    }).expect(200);
    expect(third.body).toEqual({ failures: { ip: 3, account: 2 }, lockedNow: ['ip'] });
    const refused = await check({ ip: '192.0.2.1', account: 'carol@example.net' }).expect(200);
    expect(refused.body).toEqual({ allow: false, reason: 'ip', retryAfterSeconds: 60 });
    expect((await check({ ip: '192.0.2.2', account: 'alice@example.net' }).expect(200)).body).toEqual({
      allow: true,
    });
    const metrics = (await request(filter.server).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^spamfilter_auth_failures_total 3$/m);
    expect(metrics).toMatch(/^spamfilter_auth_lockouts_total\{reason="ip"\} 1$/m);
    expect(metrics).toMatch(/^spamfilter_auth_refused_total\{reason="ip"\} 1$/m);
  });

  it('a success clears only that client for that account', async () => {
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5'])
      await result({ ip, account: 'victim@example.net', success: false }).expect(200);
    expect((await check({ ip: '198.51.100.1', account: 'victim@example.net' })).body).toMatchObject({
      allow: false,
      reason: 'account',
    });
    await result({ ip: '198.51.100.1', account: 'victim@example.net', success: true }).expect(200);
    expect((await check({ ip: '198.51.100.1', account: 'victim@example.net' })).body).toEqual({
      allow: true,
    });
    expect((await check({ ip: '198.51.100.2', account: 'victim@example.net' })).body).toMatchObject({
      allow: false,
    });
  });

  it('answers 400 for a malformed body and 413 for a huge one, counting nothing', async () => {
    expect((await check({ ip: 'not-an-ip' }).expect(400)).body.error).toEqual(['ip: must be an IP address']);
    await check({ ip: '192.0.2.9', extra: 1 }).expect(400);
    await result({ ip: '192.0.2.9', account: 'x' }).expect(400);
    await request(filter.server)
      .post('/v1/auth/check')
      .set('content-type', 'application/json')
      .send('{')
      .expect(400);
    await check({ ip: '192.0.2.9', account: 'x'.repeat(10_000) }).expect(413);
    await result({ ip: '192.0.2.9', success: false, account: 'y'.repeat(10_000) }).expect(413);
    expect((await result({ ip: '192.0.2.9', success: false }).expect(200)).body.failures).toEqual({
      ip: 1,
      account: 0,
    });
  });

  it('counts any user name, also a very long or strange one (a 400 would let the attempt skip the check)', async () => {
    const odd = `${'Ä'.repeat(300)}\r\n*?[`;
    for (let i = 0; i < 3; i++) await result({ ip: '203.0.113.7', account: odd, success: false }).expect(200);
    expect((await check({ ip: '203.0.113.7', account: odd })).body).toMatchObject({
      allow: false,
      reason: 'ip',
    });
  });
});

describe('POST /v1/auth/* with the counter store down', () => {
  it('answers 503, so the plugin lets AUTH go on', async () => {
    const filter = await createFilterApp(config, { counters: new DownStore() });
    try {
      const r = await request(filter.server)
        .post('/v1/auth/check')
        .send({ ip: '192.0.2.1', account: 'a@example.net' })
        .expect(503);
      expect(r.body.error).toBe('counter store unavailable: Redis not connected (reconnecting)');
      await request(filter.server)
        .post('/v1/auth/result')
        .send({ ip: '192.0.2.1', success: false })
        .expect(503);
    } finally {
      await filter.close();
    }
  });
});
