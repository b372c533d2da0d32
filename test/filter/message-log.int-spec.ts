import { loadConfig, type AppConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import {
  openDataSource,
  ScanRecordRepository,
  UserRepository,
  ListRepository,
  PolicyRepository,
  ReputationRepository,
} from '@spamfilter/persistence';
import { createEventBus, type EventBus } from '@spamfilter/messaging';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';

/**
 * The filter against the real PostgreSQL (scripts/services.sh): lists, policy layers and recipients' users read from
 * the database, and the message log written asynchronously in batches — including while the database connection is
 * gone, when scans must still be answered.
 */
const HAM =
  'From: Alice <alice@sender.example>\r\nTo: bob@hosted.example\r\nSubject: hello\r\nList-Unsubscribe: <mailto:u@sender.example>\r\n\r\nSee you at the meeting tomorrow.\r\n';

describe('filter with PostgreSQL: message log, lists and policy from the database', () => {
  let db: TestDatabase;
  let seed: DataSource;
  let filter: FilterApp;
  let bobId: string;
  let bus: EventBus;

  const scan = async (rcpt: string): Promise<ScanVerdict> =>
    (
      await request(filter.server)
        .post('/v1/scan')
        .set({
          [SCAN_HEADERS.clientIp]: '192.0.2.44',
          [SCAN_HEADERS.helo]: 'mx.sender.example',
          [SCAN_HEADERS.mailFrom]: 'alice@sender.example',
          [SCAN_HEADERS.rcptTo]: rcpt,
          [SCAN_HEADERS.queueId]: 'Q123',
          'content-type': 'message/rfc822',
        })
        .send(HAM)
        .expect(200)
    ).body as ScanVerdict;

  async function until<T>(probe: () => Promise<T | null>, ms = 30_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v !== null) return v;
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  beforeAll(async () => {
    db = await createPostgresTestDatabase();
    seed = await openDataSource(db.config);
    const users = new UserRepository(seed);
    const tenant = await users.createTenant('Hosting Ltd');
    const domain = await users.createDomain(tenant.id, 'hosted.example');
    const bob = await users.createUser({ domainId: domain.id, address: 'bob@hosted.example' });
    const carol = await users.createUser({ domainId: domain.id, address: 'carol@hosted.example' });
    const dave = await users.createUser({ domainId: domain.id, address: 'dave@hosted.example' });
    bobId = bob.id;
    await new ListRepository(seed).add(
      { scope: 'user', userId: carol.id },
      {
        kind: 'block',
        matchType: 'domain',
        value: 'sender.example',
        direction: 'inbound',
        createdBy: 'carol',
      },
    );
    await new PolicyRepository(seed).upsert(
      { scope: 'user', userId: dave.id },
      { thresholds: { tag: 1, greylist: 0.5 }, greylisting: { enabled: false } },
      0,
      'dave',
    );
    await new PolicyRepository(seed).upsert(
      { scope: 'domain', domainId: domain.id },
      { weights: { MISSING_SUBJECT: 3 } },
      0,
      'admin',
    );
    const config: AppConfig = {
      ...loadConfig({
        SCAN_LOG_FLUSH_MS: '20',
        SCAN_LOG_BATCH: '50',
        BUS: 'memory',
        KAFKA_TOPIC_PREFIX: `ml${Date.now()}.`,
      }),
      database: { ...db.config, migrationsRun: false },
    };
    filter = await createFilterApp(config, { connectDatabase: true, connectBus: true });
    bus = await createEventBus(config.messaging);
  });

  afterAll(async () => {
    await bus?.close();
    await filter?.close();
    await seed?.destroy();
    await db?.drop();
  });

  it('writes each verdict to the message log with envelope, symbols, per-recipient rows and training data', async () => {
    const v = await scan('bob@hosted.example');
    const repo = new ScanRecordRepository(seed);
    const row = await until(() => repo.findByReference({ kind: 'operator' }, v.reference));
    expect(row.record).toMatchObject({
      reference: v.reference,
      clientIp: '192.0.2.44',
      mailFrom: 'alice@sender.example',
      queueId: 'Q123',
      subject: 'hello',
      action: v.action,
    });
    expect(row.record.messageFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(row.record.smtpReply).toEqual(v.smtp);
    const training = row.record.training as { tokens: number[]; listUnsubscribe: boolean; sender: string };
    expect(training.tokens.length).toBeGreaterThan(3);
    expect(training).toMatchObject({ listUnsubscribe: true, sender: 'alice@sender.example' });
    expect(row.recipients).toHaveLength(1);
    expect(row.recipients[0]).toMatchObject({
      recipient: 'bob@hosted.example',
      userId: bobId,
      action: v.recipients[0].action,
    });
    // the user's own view finds it too (tenancy via user id)
    expect((await repo.recentForUser(bobId)).map((r) => r.reference)).toContain(v.reference);
  });

  it('applies a user block list entry and a user policy layer stored in the database, per recipient', async () => {
    const v = await scan('bob@hosted.example,carol@hosted.example,dave@hosted.example');
    const by = Object.fromEntries(v.recipients.map((r) => [r.recipient, r]));
    expect(by['carol@hosted.example'].action).toBe('reject');
    expect(by['carol@hosted.example'].symbols.map((s) => s.name)).toContain('USER_BLOCK');
    expect(by['bob@hosted.example'].action).toBe('accept');
    expect(by['dave@hosted.example'].thresholds.tag).toBe(1);
    expect(v.smtp.code).toBe(250);
  });

  it('saves the in-memory reputation to the reputation table as deltas, and loads stored rows it lacks', async () => {
    await scan('bob@hosted.example');
    await filter.services.reputationSync!.syncOnce();
    const rows = await new ReputationRepository(seed).get([
      'ip:192.0.2.44',
      'net:192.0.2.0/24',
      'domain:sender.example',
    ]);
    expect(rows.get('ip:192.0.2.44')?.ham).toBeGreaterThanOrEqual(1);
    expect(rows.get('domain:sender.example')?.ham).toBeGreaterThanOrEqual(1);
    // evidence written by another instance (or the scan-event consumer) is picked up when a scan asks for it
    await new ReputationRepository(seed).applyDeltas(
      [{ key: 'ip:203.0.113.66', spam: 40, ham: 0 }],
      72 * 3600_000,
    );
    expect(filter.services.reputation.get('ip:203.0.113.66')).toBeUndefined();
    await filter.services.reputationSync!.syncOnce();
    expect(filter.services.reputation.get('ip:203.0.113.66')?.spam).toBeGreaterThan(39);
  });

  it('turns a user’s spam mark into reputation evidence for the scanned message’s IP and sender domain', async () => {
    const v = await scan('bob@hosted.example');
    await until(() => new ScanRecordRepository(seed).findByReference({ kind: 'operator' }, v.reference));
    const before =
      (await new ReputationRepository(seed).get(['ip:192.0.2.44'])).get('ip:192.0.2.44')?.spam ?? 0;
    await bus.publish('spamfilter.feedback.v1', bobId, {
      eventId: `ev-${v.reference}`,
      userId: bobId,
      tenantId: 't',
      kind: 'learn',
      label: 'spam',
      reference: v.reference,
      messageId: 'm',
      occurredAt: new Date().toISOString(),
    });
    await until(async () =>
      (filter.services.reputation.get('ip:192.0.2.44')?.spam ?? 0) >= before + 4.9 ? true : null,
    );
    await filter.services.reputationSync!.syncOnce();
    const after = (await new ReputationRepository(seed).get(['ip:192.0.2.44'])).get('ip:192.0.2.44')!;
    expect(after.spam).toBeGreaterThanOrEqual(before + 4.9);
  });

  it('keeps answering scans when the database connection is gone, buffering the log and showing it in /health', async () => {
    // A real outage of this filter's connection (the server stays up for the other suites).
    await filter.services.database!.repos().dataSource.destroy();
    const v = await scan('erin@hosted.example');
    // A full verdict for the recipient, not just any 200: the scan ran without its database.
    expect(v.reference).toEqual(expect.any(String));
    expect(v.reference).not.toBe('');
    expect(v.recipients.map((r) => r.recipient)).toEqual(['erin@hosted.example']);
    expect(v.smtp.code).toBe(250);
    await until(async () => (filter.services.log.stats().failedBatches > 0 ? true : null));
    const h = await request(filter.server).get('/health').expect(200);
    expect(h.body.status).toBe('degraded');
    expect(h.body.dependencies.messageLog.state).toBe('degraded');
    expect(h.body.dependencies.messageLog.buffered).toBeGreaterThanOrEqual(1);
    expect(h.body.dependencies.database.state).toBe('down');
  });
});
