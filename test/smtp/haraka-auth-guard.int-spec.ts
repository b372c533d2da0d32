/**
 * SMTP AUTH abuse protection over real SMTP: the REAL Haraka submission server (haraka/outbound: auth/flat_file +
 * the spamfilter plugin) → the real filter (createFilterApp, in this process) counting AUTH failures in a counter
 * store → the real API's operator routes reading and clearing the same store. Once with the embedded default (one
 * in-memory store shared by filter and API, as scripts/embedded.ts does) and once with the real Redis (a key prefix
 * of this run's own). Clients are loopback addresses: 127.0.0.1 is the attacker, 127.0.0.2 the real user.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { loadConfig, type AppConfig } from '@spamfilter/config';
import { MemoryCounterStore, RedisCounterStore, type CounterStore } from '@spamfilter/counters';
import { EventBus, type OperatorNotice } from '@spamfilter/messaging';
import Redis from 'ioredis';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { startSink, type Sink } from '../../haraka/sink';
import { bearer, createUser, OPERATOR_KEY } from '../api/api-fixtures';
import { freePort, SmtpSession, startHaraka, waitFor, type HarakaHandle, type Reply } from './harness';

const USER = 'alice@example.net';
const PASSWORD = 'correct horse';
const ATTACKER = '127.0.0.1';
const REAL_USER = '127.0.0.2';

const config: AppConfig = loadConfig({
  DB_TYPE: 'sqlite',
  DB_SQLITE_PATH: ':memory:',
  API_BOOTSTRAP_OPERATOR_KEY: OPERATOR_KEY,
  OUTBOX_RELAY_ENABLED: 'false',
  LEARNER_ENABLED: 'false',
  AUTH_GUARD_IP_FAILURES: '3',
  AUTH_GUARD_ACCOUNT_FAILURES: '4',
});

/** One AUTH PLAIN on a fresh connection (EHLO, AUTH, QUIT); the reply to AUTH, as the client sees it. */
async function authOnce(port: number, from: string, user: string, pass: string): Promise<Reply> {
  const { session, greeting } = await SmtpSession.open(port, { localAddress: from });
  try {
    expect(greeting.code).toBe(220);
    expect((await session.command('EHLO client.test')).text).toMatch(/AUTH PLAIN/);
    return await session.command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString('base64')}`);
  } finally {
    await session.quit();
  }
}

interface Stack {
  readonly filter: FilterApp;
  readonly api: INestApplication;
  readonly haraka: HarakaHandle;
  readonly sink: Sink;
  close(): Promise<void>;
}

async function startStack(counters: CounterStore, users: Readonly<Record<string, string>>): Promise<Stack> {
  const sink = await startSink({ store: 'memory' });
  const filter = await createFilterApp(config, { counters, scanLog: null, defaultMetrics: false });
  const filterUrl = await filter.listen(0, '127.0.0.1');
  const api = await createApiApp(config, { logger: false, counters });
  const haraka = await startHaraka({ kind: 'outbound', filterUrl, sinkPort: sink.port, users });
  return {
    filter,
    api,
    haraka,
    sink,
    async close() {
      const logs = haraka.logs();
      await haraka.stop();
      await api.close();
      await filter.close();
      await sink.close();
      expect(logs).not.toMatch(/ran callback multiple times|next\(\) called more than once/);
    },
  };
}

const op = bearer(OPERATOR_KEY);

describe('SMTP AUTH lockouts: Haraka submission + filter + API, embedded default (one in-memory store)', () => {
  let stack: Stack;
  const store = new MemoryCounterStore();
  const notices: OperatorNotice[] = [];
  beforeAll(async () => {
    stack = await startStack(store, { [USER]: PASSWORD, 'victim@example.net': 'victim pw' });
    await stack.api
      .get(EventBus)
      .subscribe('spamfilter.operator.v1', 'auth-guard-test', async (n) => void notices.push(n));
  }, 60000);
  afterAll(async () => {
    await stack?.close();
    await store.close();
  });

  it('wrong passwords on fresh connections end in 454 4.7.0 after AUTH_GUARD_IP_FAILURES; another IP still logs in; the operator clears it', async () => {
    const port = stack.haraka.port;
    for (let i = 0; i < 3; i++) {
      const r = await authOnce(port, ATTACKER, USER, `guess ${i}`);
      expect(r).toEqual({ code: 535, text: '5.7.8 Authentication failed' });
    }
    // Locked: even the right password is not checked from this IP.
    const locked = await authOnce(port, ATTACKER, USER, PASSWORD);
    expect(locked.code).toBe(454);
    expect(locked.text).toMatch(/^4\.7\.0 Too many failed authentication attempts, try again in 15 minutes$/);
    // The real user, from an address that has not been failing, is not locked out.
    expect((await authOnce(port, REAL_USER, USER, PASSWORD)).code).toBe(235);

    const api = stack.api.getHttpServer() as never;
    const listing = await request(api).get('/v1/operator/auth-lockouts').set(op).expect(200);
    expect(listing.body.lockouts).toEqual([
      expect.objectContaining({ reason: 'ip', ip: ATTACKER, failures: 3 }),
    ]);
    expect(Date.parse(listing.body.lockouts[0].until) - Date.parse(listing.body.lockouts[0].since)).toBe(
      900_000,
    );
    expect(listing.body.failures.ips).toEqual([{ ip: ATTACKER, failures: 3 }]);
    expect(listing.body.failures.accounts).toEqual([{ account: USER, failures: 3 }]);
    const metrics = (await request(stack.filter.server).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^spamfilter_auth_failures_total 3$/m);
    expect(metrics).toMatch(/^spamfilter_auth_lockouts_total\{reason="ip"\} 1$/m);
    expect(metrics).toMatch(/^spamfilter_auth_refused_total\{reason="ip"\} 1$/m);

    const cleared = await request(api)
      .post('/v1/operator/auth-lockouts/clear')
      .set(op)
      .send({ ip: ATTACKER, reason: 'customer called, ticket 99' })
      .expect(200);
    expect(cleared.body).toEqual({ ip: ATTACKER, lockout: true, keysRemoved: 2 });
    await waitFor(() => notices.some((n) => n.kind === 'auth_lockout_cleared'), 5000, 'operator notice');
    expect(notices.find((n) => n.kind === 'auth_lockout_cleared')).toMatchObject({
      subject: ATTACKER,
      detail: { lockout: true, reason: 'customer called, ticket 99', actor: expect.any(String) },
    });
    expect((await authOnce(port, ATTACKER, USER, PASSWORD)).code).toBe(235);
    expect((await request(api).get('/v1/operator/auth-lockouts').set(op).expect(200)).body.lockouts).toEqual(
      [],
    );
  });

  it('an account sprayed from several IPs is locked against those IPs only: the right password from a clean IP works', async () => {
    const port = stack.haraka.port;
    const bots = ['127.0.0.3', '127.0.0.4'];
    for (const bot of bots)
      for (let i = 0; i < 2; i++)
        expect((await authOnce(port, bot, 'victim@example.net', `spray ${i}`)).code).toBe(535);
    const fromBot = await authOnce(port, bots[0], 'victim@example.net', 'victim pw');
    expect(fromBot.code).toBe(454);
    // The bots may still try other accounts (each failed twice, below AUTH_GUARD_IP_FAILURES)…
    expect((await authOnce(port, bots[1], USER, PASSWORD)).code).toBe(235);
    // …and the victim logs in from an IP that never failed for the account.
    expect((await authOnce(port, REAL_USER, 'victim@example.net', 'victim pw')).code).toBe(235);

    const api = stack.api.getHttpServer() as never;
    const listing = await request(api).get('/v1/operator/auth-lockouts').set(op).expect(200);
    expect(listing.body.lockouts).toEqual([
      expect.objectContaining({
        reason: 'account',
        account: 'victim@example.net',
        failures: 4,
        refusedIps: bots,
      }),
    ]);
    await request(api)
      .post('/v1/operator/auth-lockouts/clear')
      .set(op)
      .send({ account: 'victim@example.net', reason: 'password changed' })
      .expect(200);
    expect((await authOnce(port, bots[0], 'victim@example.net', 'victim pw')).code).toBe(235);
  });

  it('the operator routes are for operators only, and say what is wrong with a bad request', async () => {
    const api = stack.api.getHttpServer() as never;
    const user = await createUser(stack.api, 'someone@example.org');
    await request(api).get('/v1/operator/auth-lockouts').set(bearer(user.token)).expect(403);
    await request(api)
      .post('/v1/operator/auth-lockouts/clear')
      .set(bearer(user.token))
      .send({ ip: ATTACKER, reason: 'let me in' })
      .expect(403);
    await request(api).get('/v1/operator/auth-lockouts').expect(401);
    const both = await request(api)
      .post('/v1/operator/auth-lockouts/clear')
      .set(op)
      .send({ ip: ATTACKER, account: USER, reason: 'both' })
      .expect(400);
    expect(both.body.message).toEqual(['ip: give either ip or account']);
    const bad = await request(api)
      .post('/v1/operator/auth-lockouts/clear')
      .set(op)
      .send({ ip: 'example.net', reason: 'typo' })
      .expect(400);
    expect(bad.body.message).toEqual(['ip: must be an IP address (IPv6: or its /64)']);
    await request(api).post('/v1/operator/auth-lockouts/clear').set(op).send({ ip: ATTACKER }).expect(400);
    const doc = await request(api).get('/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/operator/auth-lockouts', '/v1/operator/auth-lockouts/clear']),
    );
  });
});

describe('SMTP AUTH lockouts with the real Redis (filter and API on one key prefix of their own)', () => {
  const URL = 'redis://127.0.0.1:6379/0';
  const PREFIX = `it:authguard:${randomUUID().slice(0, 8)}:`;
  let stack: Stack;
  let store: RedisCounterStore;
  let raw: Redis;
  beforeAll(async () => {
    store = new RedisCounterStore({
      url: URL,
      keyPrefix: PREFIX,
      commandTimeoutMs: 3000,
      onConnectionError: () => undefined,
    });
    raw = new Redis(URL);
    await raw.ping();
    stack = await startStack(store, { [USER]: PASSWORD });
  }, 60000);
  afterAll(async () => {
    await stack?.close();
    const keys = await raw.keys(`${PREFIX}*`);
    if (keys.length > 0) await raw.del(...keys);
    await store.close();
    await raw.quit();
  });

  it('locks the failing IP in Redis, lets another IP in, and the operator’s clear reaches every instance', async () => {
    const port = stack.haraka.port;
    for (let i = 0; i < 3; i++) expect((await authOnce(port, ATTACKER, USER, `guess ${i}`)).code).toBe(535);
    expect((await authOnce(port, ATTACKER, USER, PASSWORD)).code).toBe(454);
    expect((await authOnce(port, REAL_USER, USER, PASSWORD)).code).toBe(235);
    // The lockout is Redis state any filter instance (and the API) reads, not this process's memory.
    const lock = await raw.get(`${PREFIX}auth:lock:ip:${ATTACKER}`);
    expect(JSON.parse(lock!)).toMatchObject({ failures: 3 });
    expect(await raw.pttl(`${PREFIX}auth:lock:ip:${ATTACKER}`)).toBeGreaterThan(800_000);

    const api = stack.api.getHttpServer() as never;
    const listing = await request(api).get('/v1/operator/auth-lockouts').set(op).expect(200);
    expect(listing.body.lockouts).toEqual([expect.objectContaining({ reason: 'ip', ip: ATTACKER })]);
    await request(api)
      .post('/v1/operator/auth-lockouts/clear')
      .set(op)
      .send({ ip: ATTACKER, reason: 'false alarm' })
      .expect(200);
    expect(await raw.exists(`${PREFIX}auth:lock:ip:${ATTACKER}`)).toBe(0);
    expect((await authOnce(port, ATTACKER, USER, PASSWORD)).code).toBe(235);
  });
});

describe('SMTP AUTH with the filter unreachable', () => {
  it('goes on as without the guard (availability first) and logs it', async () => {
    const sink = await startSink({ store: 'memory' });
    const haraka = await startHaraka({
      kind: 'outbound',
      filterUrl: `http://127.0.0.1:${await freePort()}`,
      sinkPort: sink.port,
      users: { [USER]: PASSWORD },
    });
    try {
      expect((await authOnce(haraka.port, ATTACKER, USER, 'guess')).code).toBe(535);
      expect((await authOnce(haraka.port, ATTACKER, USER, PASSWORD)).code).toBe(235);
      expect(haraka.logs()).toMatch(/auth guard check failed \(AUTH goes on\): network: .*ECONNREFUSED/);
    } finally {
      await haraka.stop();
      await sink.close();
    }
  });
});
