import type { INestApplication } from '@nestjs/common';
import { loadConfig, type AppConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import { TypeOrmBayesStore } from '@spamfilter/persistence';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { bearer, OPERATOR_KEY } from '../api/api-fixtures';
import { seedGlobal as seedGlobalStore } from '../feedback/feedback-harness';

/**
 * Mark → verdict with the DEFAULT production wiring: createApiApp (marks, outbox relay, learner) and createFilterApp
 * with the options apps/filter/src/main.ts passes — no injected classifier, user directory or message log sink. The
 * filter finds the learner's model, the recipients' users and writes the scan records on its own.
 */
export const MAIN_OPTIONS = {
  connectDatabase: true,
  connectCounters: true,
  connectBus: true,
  connectOutbound: true,
} as const;

export function propagationConfig(env: Record<string, string>): AppConfig {
  return loadConfig({
    API_BOOTSTRAP_OPERATOR_KEY: OPERATOR_KEY,
    BAYES_MIN_LEARNS: '10',
    DNS_MODE: 'off',
    SCAN_LOG_FLUSH_MS: '20',
    OUTBOX_POLL_MS: '50',
    // A lock wait is a wall-clock limit: on a loaded machine the message-log thread's write can hold the SQLite file
    // past the 5 s default, and a mark then fails with SQLITE_BUSY (seen in a parallel npm test at load 15).
    DB_SQLITE_BUSY_TIMEOUT_MS: '30000',
    ...env,
  });
}

/** propagationConfig on the real PostgreSQL database `dbUrl` and Kafka, with topics and a learner group of its own. */
export function postgresKafkaConfig(
  dbUrl: string,
  topicTag: string,
  env: Record<string, string> = {},
): AppConfig {
  const id = randomBytes(4).toString('hex');
  return propagationConfig({
    DB_TYPE: 'postgres',
    DB_URL: dbUrl,
    BUS: 'kafka',
    KAFKA_TOPIC_PREFIX: `${topicTag}${id}.`,
    LEARNER_GROUP_ID: `learner-${id}`,
    ...env,
  });
}

export interface Stack {
  readonly api: INestApplication;
  readonly db: DataSource;
  readonly filters: FilterApp[];
  close(): Promise<void>;
}

/**
 * The API (which migrates the database) first, `prepare` (seeding the model behind the learner's back must happen
 * before the filters load it: such writes publish no change), then `filters` filter instances as main.ts starts them.
 */
export async function startStack(
  config: AppConfig,
  filters = 1,
  prepare?: (db: DataSource) => Promise<void>,
): Promise<Stack> {
  const api = await createApiApp(config, { logger: ['error'] });
  const started: FilterApp[] = [];
  const stack: Stack = {
    api,
    db: api.get(DataSource),
    filters: started,
    async close() {
      for (const f of started) await f.close();
      await api.close();
    },
  };
  try {
    await prepare?.(stack.db);
    const filterConfig: AppConfig = { ...config, database: { ...config.database, migrationsRun: false } };
    for (let i = 0; i < filters; i++)
      started.push(await createFilterApp(filterConfig, { ...MAIN_OPTIONS, defaultMetrics: false }));
  } catch (err) {
    await stack.close();
    throw err;
  }
  return stack;
}

/** Trains the global layer (as the learner would from many users' marks) so Bayes speaks (BAYES_MIN_LEARNS). */
export function seedGlobal(db: DataSource, spam: readonly Buffer[], ham: readonly Buffer[]): Promise<void> {
  return seedGlobalStore(TypeOrmBayesStore.of(db), spam, ham);
}

export interface Client {
  readonly ip: string;
  readonly mailFrom: string;
}

export async function scanOn(
  filter: FilterApp,
  raw: Buffer,
  rcpts: readonly string[],
  client: Client,
): Promise<ScanVerdict> {
  const res = await request(filter.server)
    .post('/v1/scan')
    .set({
      [SCAN_HEADERS.clientIp]: client.ip,
      [SCAN_HEADERS.helo]: 'mail.sender.example',
      [SCAN_HEADERS.mailFrom]: client.mailFrom,
      [SCAN_HEADERS.rcptTo]: rcpts.join(','),
      [SCAN_HEADERS.direction]: 'inbound',
      'content-type': 'message/rfc822',
    })
    .send(raw);
  if (res.status !== 200) throw new Error(`scan answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as ScanVerdict;
}

export function recipientOf(v: ScanVerdict, rcpt: string): ScanVerdict['recipients'][number] {
  const r = v.recipients.find((x) => x.recipient === rcpt);
  if (!r) throw new Error(`no verdict for ${rcpt}`);
  return r;
}

export function bayesOf(v: ScanVerdict, rcpt: string): ScanVerdict['recipients'][number]['symbols'] {
  return recipientOf(v, rcpt).symbols.filter((s) => s.name.startsWith('BAYES_'));
}

/** The numeric probability of a BAYES_SPAM/BAYES_HAM option ("97.12%"), or 50 when Bayes reported nothing. */
export function bayesPercent(v: ScanVerdict, rcpt: string): number {
  const hit = bayesOf(v, rcpt).find((s) => s.name === 'BAYES_SPAM' || s.name === 'BAYES_HAM');
  return hit?.options?.[0] ? Number.parseFloat(hit.options[0]) : 50;
}

export async function markSpam(api: INestApplication, token: string, reference: string): Promise<void> {
  await request(api.getHttpServer() as never)
    .post('/v1/marks')
    .set(bearer(token))
    .send({ reference, label: 'spam' })
    .expect(201);
}

/** Polls `cond`; the ceiling is at least 30 s whatever the caller asks: it only matters when the code is broken. */
export async function waitFor(
  cond: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  stepMs = 20,
): Promise<number> {
  timeoutMs = Math.max(timeoutMs, 30_000);
  const start = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Waits until the filter's own message log (write-behind) has the scan, so a mark by reference finds it. */
export function waitForRecord(db: DataSource, reference: string): Promise<number> {
  return waitFor(
    async () =>
      (
        await db.query(
          `SELECT 1 FROM scan_record WHERE reference = ${db.options.type === 'postgres' ? '$1' : '?'}`,
          [reference],
        )
      ).length > 0,
    30_000,
    `scan record ${reference}`,
  );
}
