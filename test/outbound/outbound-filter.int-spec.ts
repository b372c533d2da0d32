import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { loadConfig, type AppConfig } from '@spamfilter/config';
import { RedisCounterStore } from '@spamfilter/counters';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import { createEventBus, type EventBus, type OperatorNotice, type Subscription } from '@spamfilter/messaging';
import {
  AupRuleRepository,
  OutboundAccountRepository,
  OutboundAuditEntity,
  openDataSource,
} from '@spamfilter/persistence';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { createOutboundProtection } from '../../apps/filter/src/outbound/outbound-db-stores';
import type { OutboundProtection } from '../../apps/filter/src/outbound/outbound-protection';
import { bearer, OPERATOR_KEY } from '../api/api-fixtures';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import { dropWithRetry } from './drop-with-retry';

/**
 * Outbound protection end to end against the real services: the filter (POST /v1/scan) with its outbound checks
 * over PostgreSQL and Redis, operator notices on the real Kafka and a loopback webhook, and the API for the
 * operator's unblock.
 */
const HOUR_LIMIT = 9;
const AUTOBLOCK = 5;

describe('outbound protection (PostgreSQL, Redis, Kafka)', () => {
  let tdb: TestDatabase;
  let db: DataSource;
  let counters: RedisCounterStore;
  let bus: EventBus;
  let subscription: Subscription;
  let webhook: Server;
  let filter: FilterApp;
  let api: INestApplication;
  let outbound: OutboundProtection;
  let config: AppConfig;
  const kafkaNotices: OperatorNotice[] = [];
  const webhookBodies: Record<string, unknown>[] = [];

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        webhookBodies.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    const run = randomBytes(4).toString('hex');
    config = loadConfig({
      DB_TYPE: 'postgres',
      DB_URL: tdb.config.url,
      BUS: 'kafka',
      KAFKA_BROKERS: '127.0.0.1:9092',
      KAFKA_TOPIC_PREFIX: `t${run}.`,
      COUNTERS: 'redis',
      REDIS_URL: 'redis://127.0.0.1:6379/0',
      REDIS_KEY_PREFIX: `sf:t${run}:`,
      API_BOOTSTRAP_OPERATOR_KEY: OPERATOR_KEY,
      OUTBOX_RELAY_ENABLED: 'false',
      LEARNER_ENABLED: 'false',
      // Generous check deadlines: on a busy shared machine a stalled check would fail open (tempfail → accept) and
      // hide the limit this suite is about.
      SCAN_CHECK_TIMEOUT_MS: '10000',
      SCAN_DEADLINE_MS: '15000',
      OUTBOUND_ACCOUNT_PER_HOUR: String(HOUR_LIMIT),
      OUTBOUND_AUTOBLOCK_SPAM_COUNT: String(AUTOBLOCK),
      OUTBOUND_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/notices`,
    });
    db = await openDataSource(config.database);
    counters = new RedisCounterStore({
      url: config.counters.redisUrl,
      keyPrefix: config.counters.keyPrefix,
      onConnectionError: () => undefined,
    });
    bus = await createEventBus(config.messaging, {
      log: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    });
    subscription = await bus.subscribe(
      'spamfilter.operator.v1',
      `outbound-test-${run}`,
      async (n) => void kafkaNotices.push(n),
    );
    await new AupRuleRepository(db).create(
      {
        name: 'spam-run',
        description: 'test rule',
        enabled: true,
        score: 20,
        conditions: [{ field: 'subject', op: 'contains', value: 'SPAMRUN' }],
      },
      'test',
    );
    outbound = createOutboundProtection(config, {
      dataSource: db,
      counters,
      bus,
      log: { warn: (m) => process.stderr.write(`OUTBOUND WARN ${m}\n`) },
    });
    filter = await createFilterApp(config, {
      extraChecks: outbound.checks,
      extensions: {
        forcedAction: (h, e) => outbound.forcedAction(h, e),
        onVerdict: (v, e) => outbound.onVerdict(v, e),
      },
      scanLog: null,
    });
    api = await createApiApp(config, { logger: false });
  });

  afterAll(async () => {
    await subscription?.stop();
    await filter?.close();
    await api?.close();
    await bus?.close();
    await counters?.close();
    await db?.destroy();
    await new Promise<void>((resolve) => (webhook ? webhook.close(() => resolve()) : resolve()));
    await dropWithRetry(tdb);
  });

  async function submit(
    account: string,
    subject: string,
    rcpt = 'friend@elsewhere.example',
  ): Promise<ScanVerdict> {
    const raw = `From: <${account}>\r\nTo: <${rcpt}>\r\nSubject: ${subject}\r\nMessage-ID: <${randomBytes(6).toString('hex')}@customer.example>\r\n\r\nSee you at six.\r\n`;
    const res = await request(filter.server)
      .post('/v1/scan')
      .set({
        [SCAN_HEADERS.clientIp]: '198.51.100.20',
        [SCAN_HEADERS.helo]: 'laptop.customer.example',
        [SCAN_HEADERS.mailFrom]: account,
        [SCAN_HEADERS.rcptTo]: rcpt,
        [SCAN_HEADERS.direction]: 'outbound',
        [SCAN_HEADERS.authUser]: account,
        'content-type': 'message/rfc822',
      })
      .send(raw)
      .expect(200);
    return res.body as ScanVerdict;
  }

  async function until(what: () => boolean, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end)
        throw new Error(`timed out waiting (kafka ${kafkaNotices.length}, webhook ${webhookBodies.length})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it(`accepts a burst up to exactly ${HOUR_LIMIT} messages and defers the next with 421 4.7.0`, async () => {
    const verdicts: ScanVerdict[] = [];
    for (let i = 0; i < HOUR_LIMIT + 2; i++)
      verdicts.push(await submit('burst@customer.example', `status ${i}`));
    // Tempfail symbols in the picture when this fails tell a stalled check from a counting error.
    expect(
      verdicts.map(
        (v) => `${v.action}${v.symbols.some((s) => s.name.endsWith('TEMPFAIL')) ? ' (tempfail)' : ''}`,
      ),
    ).toEqual([...Array(HOUR_LIMIT).fill('accept'), 'defer', 'defer']);
    expect(verdicts[HOUR_LIMIT].smtp).toMatchObject({ code: 421, enhanced: '4.7.0' });
    expect(verdicts[HOUR_LIMIT].smtp.message).toContain(verdicts[HOUR_LIMIT].reference);
    expect((await submit('other@customer.example', 'status')).action).toBe('accept');
  });

  it('holds the limit exactly under concurrency (atomic counting in Redis)', async () => {
    const verdicts = await Promise.all(
      Array.from({ length: HOUR_LIMIT + 5 }, (_, i) => submit('parallel@customer.example', `p ${i}`)),
    );
    const actions = verdicts.map((v) => v.action);
    expect(actions.filter((a) => a === 'accept')).toHaveLength(HOUR_LIMIT);
    expect(actions.filter((a) => a === 'defer')).toHaveLength(5);
  });

  it('blocks an account automatically at the fifth spam verdict, notifies on Kafka and the webhook, and an operator unblock restores sending', async () => {
    const who = 'compromised@customer.example';
    for (let i = 0; i < AUTOBLOCK; i++) {
      const v = await submit(who, `SPAMRUN ${i}`);
      expect(v.action).toBe('reject');
      expect(v.smtp).toMatchObject({ code: 550, enhanced: '5.7.1' });
      await outbound.autoBlock.idle();
      const status = (await new OutboundAccountRepository(db).find(who))?.status ?? 'active';
      expect(status).toBe(i < AUTOBLOCK - 1 ? 'active' : 'blocked');
    }

    const blocked = await submit(who, 'lunch tomorrow?');
    expect(blocked.action).toBe('block');
    expect(blocked.smtp.code).toBe(550);
    expect(blocked.smtp.enhanced).toBe('5.7.1');
    expect(blocked.smtp.message).toMatch(/Sending account blocked/);
    expect(blocked.smtp.message).toContain(blocked.reference);

    await until(() => kafkaNotices.length > 0 && webhookBodies.length > 0);
    expect(kafkaNotices).toEqual([
      expect.objectContaining({ kind: 'outbound_account_blocked', subject: who }),
    ]);
    expect(kafkaNotices[0].detail).toMatchObject({
      actor: 'system:auto-block',
      reason: expect.stringMatching(/5 spam verdicts within 10 minutes/),
    });
    expect(webhookBodies).toEqual([
      expect.objectContaining({ kind: 'outbound_account_blocked', account: who }),
    ]);

    const list = await request(api.getHttpServer() as never)
      .get('/v1/operator/outbound/accounts?status=blocked')
      .set(bearer(OPERATOR_KEY))
      .expect(200);
    expect(list.body.map((a: { address: string }) => a.address)).toEqual([who]);
    await request(api.getHttpServer() as never)
      .post(`/v1/operator/outbound/accounts/${who}/unblock`)
      .set(bearer(OPERATOR_KEY))
      .send({ reason: 'customer reset the password' })
      .expect(201);

    expect((await submit(who, 'lunch tomorrow?')).action).toBe('accept');
    // A single spam verdict after the unblock does not re-block: the window restarted at the unblock.
    expect((await submit(who, 'SPAMRUN again')).action).toBe('reject');
    await outbound.autoBlock.idle();
    expect((await new OutboundAccountRepository(db).find(who))?.status).toBe('active');

    const audit = await db
      .getRepository(OutboundAuditEntity)
      .find({ where: { account: who }, order: { id: 'ASC' } });
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['auto_block', 'system:auto-block'],
      ['unblock', expect.any(String)],
    ]);
    await expect(
      db.query(`UPDATE outbound_audit SET actor = 'nobody' WHERE account = $1`, [who]),
    ).rejects.toThrow(/append-only/);
  });
});
