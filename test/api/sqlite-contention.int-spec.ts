import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@spamfilter/config';
import { formatReferenceId } from '@spamfilter/domain';
import { FeedbackMarkEntity, ScanRecordRepository, type NewScanRecord } from '@spamfilter/persistence';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { startLockHolder } from '../../libs/persistence/src/sqlite-lock-holder';
import { bearer, createUser, OPERATOR_KEY, type TestUser } from './api-fixtures';

/**
 * The embedded SQLite database under the contention it has in the quick start: the API writes marks while another
 * connection (as the filter's message-log thread does) takes the write lock every few milliseconds. Before writes
 * began IMMEDIATE and retried within DB_SQLITE_BUSY_TIMEOUT_MS, 1 in 1,000 marks sent 16 at a time answered 500
 * SQLITE_BUSY at once (the issue) — and 300+ in 1,000 under this test's heavier lock traffic.
 */
describe('SQLite: marks while another connection holds the write lock', () => {
  let dir: string;
  let app: INestApplication;
  let alice: TestUser;
  const references: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-contention-'));
    const config = loadConfig({
      DB_TYPE: 'sqlite',
      DB_SQLITE_PATH: join(dir, 'spamfilter.sqlite'),
      DB_SQLITE_BUSY_TIMEOUT_MS: '5000',
      API_BOOTSTRAP_OPERATOR_KEY: OPERATOR_KEY,
      OUTBOX_RELAY_ENABLED: 'false',
      LEARNER_ENABLED: 'false',
    });
    app = await createApiApp(config, { logger: false });
    alice = await createUser(app, 'alice@example.org');
    const now = Date.now();
    const scans: NewScanRecord[] = Array.from({ length: 1000 }, (_, i) => {
      const reference = formatReferenceId(now + i, randomBytes(10));
      references.push(reference);
      return {
        reference,
        createdAt: new Date(now + i),
        direction: 'inbound',
        clientIp: '192.0.2.1',
        helo: 'mx.sender.example',
        mailFrom: 'news@sender.example',
        authUser: null,
        queueId: null,
        headerFrom: null,
        subject: `message ${i}`,
        messageFingerprint: randomBytes(32).toString('hex'),
        size: 100,
        action: 'accept',
        score: 0,
        symbols: [],
        smtpReply: { code: 250, enhanced: '2.0.0', message: 'OK' },
        headers: [],
        training: null,
        elapsedMs: 1,
        recipients: [
          {
            recipient: 'alice@example.org',
            userId: alice.id,
            domainId: null,
            action: 'accept',
            score: 0,
            symbols: [],
            reason: 'ok',
            disposition: 'delivered',
          },
        ],
      };
    });
    await app.get(ScanRecordRepository).insertMany(scans);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('1,000 marks 16 at a time: every one is accepted, none answers 500', async () => {
    const holder = startLockHolder(join(dir, 'spamfilter.sqlite'), { holdMs: 8, pauseMs: 5 });
    const statuses = new Map<number, number>();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < references.length) {
        const reference = references[next++] as string;
        const r = await request(app.getHttpServer() as never)
          .post('/v1/marks')
          .set(bearer(alice.token))
          .send({ reference, label: 'spam' });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 16 }, lane));
    const held = await holder.stop();
    expect(Object.fromEntries(statuses)).toEqual({ 201: 1000 });
    expect(await app.get(DataSource).getRepository(FeedbackMarkEntity).countBy({ userId: alice.id })).toBe(
      1000,
    );
    expect(held).toBeGreaterThan(0);
  }, 180_000);

  it('a lock held past the busy timeout answers 503 with Retry-After after waiting, never 500', async () => {
    const seeded = references[0] as string;
    const holder = startLockHolder(join(dir, 'spamfilter.sqlite'), { holdMs: 7000, pauseMs: 0 });
    await holder.holding;
    const started = Date.now();
    const r = await request(app.getHttpServer() as never)
      .post('/v1/marks')
      .set(bearer(alice.token))
      .send({ reference: seeded, label: 'ham' });
    const waited = Date.now() - started;
    await holder.stop();
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(waited).toBeGreaterThanOrEqual(5000);
  }, 60_000);
});
