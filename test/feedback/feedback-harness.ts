import type { INestApplication } from '@nestjs/common';
import {
  DEFAULT_SPAM_CLASSIFIER,
  GLOBAL_SCOPE,
  messageFingerprint,
  SpamClassifier,
  tokenize,
  type SpamClassifierOptions,
} from '@spamfilter/bayes';
import { loadConfig, type AppConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import { parseMessageSync } from '@spamfilter/mail';
import { ScanRecordRepository, TypeOrmBayesStore, UserRepository } from '@spamfilter/persistence';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/bootstrap';
import type { ApiModuleOptions } from '../../apps/api/src/api.module';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import type { ScanLogRecord, ScanLogSink } from '../../apps/filter/src/services/scan-log.writer';
import { OPERATOR_KEY } from '../api/api-fixtures';

/**
 * The mark → verdict loop wired as production wires it, for the feedback suites and the benchmark: the API (marks,
 * outbox relay, learner) and the filter (Bayes on the same PostgreSQL store, message log into scan_record) over
 * the real Kafka with a unique topic prefix and consumer group.
 */
export const CORPUS = resolve(__dirname, '../../.cache/corpus/sa-dev');

export function corpusAvailable(): boolean {
  return existsSync(join(CORPUS, 'index'));
}

export function corpus(kind: 'spam' | 'ham' | 'hard_ham', n: number, skip = 0): Buffer[] {
  const lines = readFileSync(join(CORPUS, 'index'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(kind === 'spam' ? 'spam ' : 'ham ') && l.includes(`${kind}/`));
  return lines.slice(skip, skip + n).map((l) => readFileSync(join(CORPUS, l.split(' ')[1] as string)));
}

export function feedbackConfig(dbUrl: string, extra: Record<string, string> = {}): AppConfig {
  const run = randomBytes(4).toString('hex');
  return loadConfig({
    DB_TYPE: 'postgres',
    DB_URL: dbUrl,
    BUS: 'kafka',
    KAFKA_TOPIC_PREFIX: `t${run}.`,
    LEARNER_GROUP_ID: `learner-${run}`,
    API_BOOTSTRAP_OPERATOR_KEY: OPERATOR_KEY,
    BAYES_MIN_LEARNS: '10',
    OUTBOX_POLL_MS: '50',
    ...extra,
  });
}

/** The filter's message log into scan_record, with the recipients' user ids (what the learner trains under). */
class ScanRecordSink implements ScanLogSink {
  constructor(
    private readonly records: ScanRecordRepository,
    private readonly users: UserRepository,
  ) {}
  async writeBatch(batch: readonly ScanLogRecord[]): Promise<void> {
    const owners = await this.users.resolveRecipients(
      batch.flatMap((r) => r.recipients.map((x) => x.recipient)),
    );
    await this.records.insertMany(
      batch.map(({ recipients, ...record }) => ({
        ...record,
        training: record.training as never,
        recipients: recipients.map((r) => ({
          ...r,
          userId: owners.get(r.recipient)?.userId ?? null,
          domainId: owners.get(r.recipient)?.domainId ?? null,
        })),
      })) as never,
    );
  }
}

export interface Loop {
  readonly config: AppConfig;
  readonly api: INestApplication;
  readonly filter: FilterApp;
  readonly db: DataSource;
  readonly store: TypeOrmBayesStore;
  close(): Promise<void>;
}

export async function startLoop(
  config: AppConfig,
  apiOptions: ApiModuleOptions = {},
  classifierOptions: SpamClassifierOptions = { ...DEFAULT_SPAM_CLASSIFIER, logistic: null },
): Promise<Loop> {
  const api = await createApiApp(config, { logger: ['error'], ...apiOptions });
  const db = api.get(DataSource);
  const store = TypeOrmBayesStore.of(db);
  const users = new UserRepository(db);
  const filter = await createFilterApp(config, {
    bayes: {
      // Bayes alone by default: the learner trains the Bayes layers (the logistic component's weights live in each
      // filter). A suite that needs the deployed floor or blend passes spamClassifierOptions(config.bayes).
      classifier: new SpamClassifier(store, classifierOptions),
      users: {
        userIdsFor: async (rcpts) => {
          const owners = await users.resolveRecipients(rcpts);
          return new Map(rcpts.map((r) => [r, owners.get(r.toLowerCase())?.userId ?? null]));
        },
      },
    },
    scanLog: new ScanRecordSink(new ScanRecordRepository(db), users),
    defaultMetrics: false,
  });
  return {
    config,
    api,
    filter,
    db,
    store,
    async close() {
      await filter.close();
      await api.close();
    },
  };
}

/** Trains the global layer from corpus mail so Bayes speaks (BAYES_MIN_LEARNS). */
export async function seedGlobal(
  store: TypeOrmBayesStore,
  spam: readonly Buffer[],
  ham: readonly Buffer[],
): Promise<void> {
  const now = new Date();
  for (const [label, msgs] of [
    ['spam', spam],
    ['ham', ham],
  ] as const) {
    for (const raw of msgs)
      await store.train(
        GLOBAL_SCOPE,
        messageFingerprint(raw),
        tokenize(parseMessageSync(raw)).ids,
        label,
        now,
      );
  }
}

export async function scan(
  loop: Loop,
  raw: Buffer,
  rcpts: readonly string[],
  mailFrom = 'news@list.example',
): Promise<ScanVerdict> {
  const res = await request(loop.filter.server)
    .post('/v1/scan')
    .set({
      [SCAN_HEADERS.clientIp]: '192.0.2.10',
      [SCAN_HEADERS.helo]: 'mail.list.example',
      [SCAN_HEADERS.mailFrom]: mailFrom,
      [SCAN_HEADERS.rcptTo]: rcpts.join(','),
      [SCAN_HEADERS.direction]: 'inbound',
      'content-type': 'message/rfc822',
    })
    .send(raw);
  if (res.status !== 200) throw new Error(`scan answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as ScanVerdict;
}

export function scoreFor(v: ScanVerdict, rcpt: string): number {
  const r = v.recipients.find((x) => x.recipient === rcpt);
  if (!r) throw new Error(`no verdict for ${rcpt}`);
  return r.score;
}

/** Waits until the message log has the scan (write-behind). */
export async function waitForRecord(loop: Loop, reference: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () =>
      (await loop.db.query('SELECT 1 FROM scan_record WHERE reference = $1', [reference])).length > 0,
    timeoutMs,
  );
}

/** Polls `cond`; the ceiling is at least 30 s whatever the caller asks: it only matters when the code is broken. */
export async function waitFor(
  cond: () => Promise<boolean>,
  timeoutMs = 30_000,
  stepMs = 25,
  what = 'condition',
): Promise<void> {
  timeoutMs = Math.max(timeoutMs, 30_000);
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > until) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * A variant of a message, the "next similar message" (a newsletter's next issue, a campaign's next copy): a new
 * Message-ID and " (issue n)" on the Subject; the body is left as it is. (Text appended to the body used to land in a
 * base64 part or after the closing boundary and change most of the message's tokens: some "variants" shared 2% of
 * them with the original, no longer similar at all.)
 */
export function variant(raw: Buffer, n: number): Buffer {
  const text = raw.toString('latin1');
  const split = text.search(/\r?\n\r?\n/);
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split);
  const lines = head.split(/\r?\n/);
  const out: string[] = [];
  let subject = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    // Drop the Message-ID field with its folded continuation lines (RFC 5322 §2.2.3).
    if (/^message-id:/i.test(line)) {
      while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1] as string)) i++;
      continue;
    }
    if (!subject && /^subject:/i.test(line)) {
      // The field with its continuation lines; the issue number goes at its end.
      const field = [line];
      while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1] as string)) field.push(lines[++i] as string);
      field[field.length - 1] += ` (issue ${n})`;
      out.push(...field);
      subject = true;
      continue;
    }
    out.push(line);
  }
  if (!subject) out.push(`Subject: issue ${n}`);
  out.push(`Message-ID: <variant-${n}-${randomBytes(4).toString('hex')}@list.example>`);
  return Buffer.from(`${out.join('\r\n')}${body}`, 'latin1');
}
