import { randomBytes } from 'node:crypto';
import { loadConfig, type AppConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import { AupRuleRepository, OutboundAccountRepository, openDataSource } from '@spamfilter/persistence';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { ROUTING_HEADER } from '../../apps/filter/src/outbound/outbound-protection';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import { dropWithRetry } from './drop-with-retry';

/**
 * The filter as main.ts starts it (database, Redis counters, Kafka bus, outbound protection all from the
 * configuration): the outbound checks are in the pipeline, limits defer, an operator's block refuses, risky mail is
 * routed, and the outbound verdicts land in the message log the operators search.
 */
describe('filter launcher with outbound protection (PostgreSQL, Redis, Kafka)', () => {
  let tdb: TestDatabase;
  let db: DataSource;
  let filter: FilterApp;
  let config: AppConfig;

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
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
      SCAN_CHECK_TIMEOUT_MS: '10000',
      SCAN_DEADLINE_MS: '15000',
      OUTBOUND_ACCOUNT_PER_HOUR: '3',
    });
    db = await openDataSource(config.database);
    await new AupRuleRepository(db).create(
      {
        name: 'promo',
        description: '',
        enabled: true,
        score: 4,
        conditions: [{ field: 'subject', op: 'contains', value: 'promo' }],
      },
      'test',
    );
    filter = await createFilterApp(config, {
      connectDatabase: true,
      connectCounters: true,
      connectBus: true,
      connectOutbound: true,
    });
  });

  afterAll(async () => {
    await filter?.close();
    await db?.destroy();
    await dropWithRetry(tdb);
  });

  async function submit(account: string, subject: string): Promise<ScanVerdict> {
    const raw = `From: <${account}>\r\nTo: <friend@elsewhere.example>\r\nSubject: ${subject}\r\nMessage-ID: <${randomBytes(6).toString('hex')}@c.example>\r\n\r\nHello.\r\n`;
    const res = await request(filter.server)
      .post('/v1/scan')
      .set({
        [SCAN_HEADERS.clientIp]: '198.51.100.21',
        [SCAN_HEADERS.helo]: 'laptop.customer.example',
        [SCAN_HEADERS.mailFrom]: account,
        [SCAN_HEADERS.rcptTo]: 'friend@elsewhere.example',
        [SCAN_HEADERS.direction]: 'outbound',
        [SCAN_HEADERS.authUser]: account,
        'content-type': 'message/rfc822',
      })
      .send(raw)
      .expect(200);
    return res.body as ScanVerdict;
  }

  it('defers the 4th message of 3 per hour, and tags risky mail for the other pool', async () => {
    const v = [];
    for (let i = 0; i < 4; i++) v.push(await submit('limited@customer.example', `note ${i}`));
    expect(v.map((x) => x.action)).toEqual(['accept', 'accept', 'accept', 'defer']);
    expect(v[3].smtp).toMatchObject({ code: 421, enhanced: '4.7.0' });
    const risky = await submit('marketing@customer.example', 'big promo');
    expect(risky.action).toBe('accept');
    expect(risky.headers).toContainEqual([ROUTING_HEADER, 'risky']);
  });

  it('refuses the mail of an account an operator blocked, with 550 5.7.1 and the reference, and sends again after the unblock', async () => {
    const who = 'blocked@customer.example';
    const accounts = new OutboundAccountRepository(db);
    await accounts.block(who, { actor: 'op@provider.example', reason: 'abuse ticket 12' });
    const v = await submit(who, 'hello');
    expect(v.action).toBe('block');
    expect(v.smtp).toMatchObject({ code: 550, enhanced: '5.7.1' });
    expect(v.smtp.message).toContain(v.reference);
    await accounts.unblock(who, { actor: 'op@provider.example', reason: 'fixed' });
    expect((await submit(who, 'hello again')).action).toBe('accept');
  });

  it("defers an account whose recipients mostly fail, from the MTA's delivery reports", async () => {
    const who = 'bouncy@customer.example';
    expect((await submit(who, 'first')).action).toBe('accept');
    await request(filter.server)
      .post('/v1/outbound/deliveries')
      .set('content-type', 'application/json')
      .send({ delivered: 1 })
      .expect(400);
    await request(filter.server)
      .post('/v1/outbound/deliveries')
      .set('content-type', 'application/json')
      .send('{"nope')
      .expect(400);
    await request(filter.server)
      .post('/v1/outbound/deliveries')
      .set('content-type', 'application/json')
      .send({ authUser: who, delivered: 4, failed: 21 })
      .expect(204);
    const v = await submit(who, 'second');
    expect(v.action).toBe('defer');
    expect(v.symbols.find((s) => s.name === 'OUTBOUND_FAILED_RCPT_RATIO')?.options).toEqual(['84/50']);
    expect((await submit('healthy@customer.example', 'hi')).action).toBe('accept');
  });

  it('writes the outbound verdicts to the message log with the sending account', async () => {
    const deadline = Date.now() + 30_000;
    let rows: { reference: string; action: string }[] = [];
    while (Date.now() < deadline) {
      rows = (await db.query(
        `SELECT reference, action FROM scan_record WHERE auth_user = $1 ORDER BY created_at`,
        ['limited@customer.example'],
      )) as typeof rows;
      if (rows.length >= 4) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(rows.map((r) => r.action)).toEqual(['accept', 'accept', 'accept', 'defer']);
  });
});
