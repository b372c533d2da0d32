/**
 * `npm run -s bench -- feedback [--rate 200] [--seconds 10] [--probes 40] [--learner-events 5000] [--json]`
 *
 * Through the real Kafka and PostgreSQL (scripts/services.sh up), in one process: the API (marks → outbox → relay),
 * the learner (batched consumer group) and the filter (Bayes on the same PostgreSQL store).
 * - Latency: while background marks arrive at --rate marks/s from many users (for --seconds, or until the probes are
 *   done), --probes probe marks are made one at a time by fresh users; for each, the time from the API's 201 to the filter's first changed verdict for that user on the
 *   next similar message (polled every 5 ms) → p50Ms, p99Ms.
 * - Learner: --learner-events marks queued on Kafka while no learner runs; then one learner starts and the time
 *   from its first to its last handled event gives eventsPerSec.
 * A fresh database and a unique topic prefix per run; nothing is left behind but the dropped database's name.
 * `--hostile`: one account's marks against the global layer (hostile.ts).
 */
import { spamClassifierOptions, userScope } from '@spamfilter/bayes';
import { formatReferenceId } from '@spamfilter/domain';
import {
  OutboxEventEntity,
  ProcessedEventEntity,
  ScanRecordRepository,
  UserRepository,
} from '@spamfilter/persistence';
import { TOPICS } from '@spamfilter/messaging';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource, IsNull } from 'typeorm';
import { FeedbackConsumer } from '../../apps/api/src/consumers/feedback.consumer';
import { createUser, bearer } from '../../test/api/api-fixtures';
import {
  corpus,
  corpusAvailable,
  feedbackConfig,
  scan,
  seedGlobal,
  startLoop,
  variant,
  waitFor,
  waitForRecord,
  type Loop,
} from '../../test/feedback/feedback-harness';
import { createPostgresTestDatabase } from '../../test/persistence/test-databases';
import { hostile } from './hostile';

interface Args {
  rate: number;
  seconds: number;
  probes: number;
  learnerEvents: number;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { rate: 200, seconds: 10, probes: 40, learnerEvents: 5000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const n = (): number => Number(argv[++i]);
    if (k === '--rate') a.rate = n();
    else if (k === '--seconds') a.seconds = n();
    else if (k === '--probes') a.probes = n();
    else if (k === '--learner-events') a.learnerEvents = n();
    else if (k === '--json') a.json = true;
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

/** The sum of a recipient's BAYES_* symbol scores. */
function bayesScore(v: Awaited<ReturnType<typeof scan>>, rcpt: string): number {
  const r = v.recipients.find((x) => x.recipient === rcpt);
  return (r?.symbols ?? []).filter((s) => s.name.startsWith('BAYES_')).reduce((sum, s) => sum + s.score, 0);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const round = (x: number): number => Math.round(x * 10) / 10;
/**
 * Every mark is shared (as if each domain had agreed): the learner then does all it can for a mark — the agreement
 * rule's reads, a campaign vote with its signature — which is the heavier path the figures must include.
 */
const SHARED = { LEARNER_SHARE_DEFAULT: 'true' };
const t0 = performance.now();
/** Progress on stderr (stdout carries only the result). */
const progress = (m: string): void =>
  void process.stderr.write(`[feedback ${((performance.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);

/** Scan records (with training) for many users, written as the filter's message log would, in bulk. */
async function seedScans(
  db: DataSource,
  users: readonly { id: string; address: string; domainId: string }[],
  perUser: number,
  messages: readonly Buffer[],
  training: (raw: Buffer) => Record<string, unknown>,
): Promise<Map<string, string[]>> {
  const records = new ScanRecordRepository(db);
  const refs = new Map<string, string[]>();
  const trainings = messages.map(training);
  let k = 0;
  const batch: unknown[] = [];
  for (const u of users) {
    const list: string[] = [];
    for (let i = 0; i < perUser; i++) {
      const reference = formatReferenceId(Date.now(), randomBytes(10));
      list.push(reference);
      batch.push({
        reference,
        createdAt: new Date(),
        direction: 'inbound',
        clientIp: '192.0.2.1',
        helo: 'mx.example.net',
        mailFrom: `sender${k % 50}@bulk.example`,
        authUser: null,
        queueId: null,
        headerFrom: null,
        subject: null,
        messageFingerprint: randomBytes(32).toString('hex'),
        size: 1000,
        action: 'accept',
        score: 0,
        symbols: [],
        smtpReply: { code: 250, enhanced: '2.0.0', message: 'ok' },
        headers: [],
        training: trainings[k++ % trainings.length],
        elapsedMs: 1,
        recipients: [
          {
            recipient: u.address,
            userId: u.id,
            domainId: u.domainId,
            action: 'accept',
            score: 0,
            symbols: [],
            reason: 'bench',
          },
        ],
      });
    }
    refs.set(u.id, list);
  }
  for (let i = 0; i < batch.length; i += 500) await records.insertMany(batch.slice(i, i + 500) as never);
  return refs;
}

async function latencyPhase(
  loop: Loop,
  args: Args,
): Promise<{ latencies: number[]; background: number; errors: number; bgSeconds: number }> {
  const server = loop.api.getHttpServer() as never;
  await loop.api.listen(0, '127.0.0.1');
  const apiUrl = (await loop.api.getUrl()).replace('[::1]', '127.0.0.1');
  const userRepo = new UserRepository(loop.db);
  // Background: 100 users marking pre-scanned messages at --rate marks/s.
  const bgUsers: { id: string; address: string; domainId: string; token: string }[] = [];
  for (let i = 0; i < 100; i++) {
    const u = await createUser(loop.api, `bg${i}@bench.example`);
    const row = await userRepo.findById(u.id);
    bgUsers.push({ id: u.id, address: u.address, domainId: row!.domainId, token: u.token });
  }
  const { scanTraining } = await import('@spamfilter/bayes');
  const { parseMessageSync } = await import('@spamfilter/mail');
  progress('background users created');
  const perUser = Math.ceil((args.rate * (args.seconds + args.probes * 3)) / bgUsers.length);
  const refs = await seedScans(loop.db, bgUsers, perUser, corpus('spam', 100, 300), (raw) => ({
    ...scanTraining(parseMessageSync(raw)),
  }));
  progress('background scans seeded');
  let background = 0;
  let errors = 0;
  const errorCodes = new Map<number, number>();
  const bgStart = Date.now();
  let stop = false;
  const tick = 1000 / args.rate;
  const bg = (async () => {
    const start = Date.now();
    let n = 0;
    const inflight = new Set<Promise<void>>();
    while (!stop) {
      const due = start + n * tick;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // Open loop at --rate, but never more than 32 marks in flight: an overloaded API shows up as a lower
      // achieved rate (backgroundMarksPerSec), not as an unbounded queue inside this process.
      while (inflight.size >= 32 && !stop) await Promise.race(inflight);
      const u = bgUsers[n % bgUsers.length]!;
      const reference = refs.get(u.id)![Math.floor(n / bgUsers.length)];
      n++;
      if (!reference) continue;
      // Real HTTP over kept-alive connections (fetch's pool), as mail clients reach the API: not supertest, which
      // opens a listener per request and would charge that to the API.
      const p = fetch(`${apiUrl}/v1/marks`, {
        method: 'POST',
        headers: { ...bearer(u.token), 'content-type': 'application/json' },
        body: JSON.stringify({ reference, label: n % 5 === 0 ? 'ham' : 'spam' }),
      })
        .then(
          async (res) => {
            await res.arrayBuffer();
            if (res.status === 201) background++;
            else void errorCodes.set(res.status, (errorCodes.get(res.status) ?? 0) + 1);
          },
          () => void errorCodes.set(0, (errorCodes.get(0) ?? 0) + 1),
        )
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
  })();

  // Probes, one at a time, while the background runs.
  const latencies: number[] = [];
  const base = corpus('hard_ham', args.probes, 0);
  const deadline = Date.now() + args.seconds * 1000;
  for (let i = 0; i < args.probes; i++) {
    const address = `probe${i}@bench.example`;
    const probe = await createUser(loop.api, address);
    const first = await scan(loop, base[i]!, [address]);
    await waitForRecord(loop, first.reference);
    const next = variant(base[i]!, i);
    // The mark's own effect: the recipient's Bayes symbols (the total score also moves with the client IP's reputation,
    // which every scan of this loop feeds, so it changes without any mark).
    const before = bayesScore(await scan(loop, next, [address]), address);
    const res = await request(server)
      .post('/v1/marks')
      .set(bearer(probe.token))
      .send({ reference: first.reference, label: 'spam' });
    const t0 = performance.now();
    if (res.status !== 201) {
      errors++;
      continue;
    }
    let after = before;
    for (;;) {
      after = bayesScore(await scan(loop, next, [address]), address);
      if (after !== before) break;
      if (performance.now() - t0 > 10_000) break; // counted as 10 s: the figures show it instead of losing the run
      await new Promise((r) => setTimeout(r, 5));
    }
    latencies.push(performance.now() - t0);
    progress(
      `probe ${i}: ${(performance.now() - t0).toFixed(1)} ms (score ${before.toFixed(2)} → ${after.toFixed(2)})`,
    );
  }
  while (Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  stop = true;
  await bg;
  const bgSeconds = (Date.now() - bgStart) / 1000;
  for (const [code, count] of errorCodes) {
    errors += count;
    progress(`background marks answered ${code}: ${count}`);
  }
  return { latencies, background, errors, bgSeconds };
}

async function learnerPhase(
  dbUrl: string,
  events: number,
): Promise<{ eventsPerSec: number; events: number; seconds: number }> {
  // Queue the marks on Kafka with no learner running (API only; relay on).
  const config = feedbackConfig(dbUrl, { ...SHARED, LEARNER_ENABLED: 'false', OUTBOX_BATCH_SIZE: '2000' });
  const producer = await startLoop(config);
  const userRepo = new UserRepository(producer.db);
  const users: { id: string; address: string; domainId: string; tenantId: string }[] = [];
  for (let i = 0; i < 200; i++) {
    const u = await createUser(producer.api, `lrn${i}@bench.example`);
    const row = await userRepo.findById(u.id);
    users.push({ id: u.id, address: u.address, domainId: row!.domainId, tenantId: row!.tenantId });
  }
  const { scanTraining } = await import('@spamfilter/bayes');
  const { parseMessageSync } = await import('@spamfilter/mail');
  const perUser = Math.ceil(events / users.length);
  const refs = await seedScans(
    producer.db,
    users,
    perUser,
    corpus('spam', 100, 0).concat(corpus('ham', 100, 0)),
    (raw) => ({ ...scanTraining(parseMessageSync(raw)) }),
  );
  // Outbox rows in bulk, as the API writes them (one per mark).
  const rows: Partial<OutboxEventEntity>[] = [];
  let n = 0;
  for (let i = 0; i < perUser && n < events; i++) {
    for (const u of users) {
      if (n++ >= events) break;
      const reference = refs.get(u.id)![i]!;
      rows.push({
        topic: TOPICS.feedback,
        messageKey: u.id,
        payload: {
          eventId: randomUUID(),
          userId: u.id,
          tenantId: u.tenantId,
          kind: 'learn',
          label: n % 4 === 0 ? 'ham' : 'spam',
          reference,
          messageId: randomBytes(32).toString('hex'),
          occurredAt: new Date().toISOString(),
        },
        createdAt: new Date(),
        publishedAt: null,
        lockedUntil: null,
        attempts: 0,
        lastError: null,
      });
    }
  }
  progress(`learner phase: ${rows.length} events to queue`);
  for (let i = 0; i < rows.length; i += 1000)
    await producer.db.getRepository(OutboxEventEntity).insert(rows.slice(i, i + 1000) as never);
  await waitFor(
    async () => (await producer.db.getRepository(OutboxEventEntity).countBy({ publishedAt: IsNull() })) === 0,
    120_000,
    100,
    'outbox relayed',
  );
  progress('queued on Kafka');
  await producer.close();

  // One learner (relay on, so its model changes go out too).
  const learnerConfig = { ...config, learner: { ...config.learner, enabled: true } };
  const learner = await startLoop(learnerConfig);
  const consumer = learner.api.get(FeedbackConsumer);
  let first = 0;
  await waitFor(
    async () => {
      if (first === 0 && consumer.handled > 0) first = performance.now();
      return consumer.handled >= rows.length;
    },
    300_000,
    5,
    'learner caught up',
  );
  const seconds = (performance.now() - first) / 1000;
  const processed = await learner.db.getRepository(ProcessedEventEntity).countBy({ consumer: 'learner' });
  await learner.close();
  if (processed !== rows.length) throw new Error(`learner processed ${processed} of ${rows.length}`);
  return { eventsPerSec: Math.round(rows.length / seconds), events: rows.length, seconds: round(seconds) };
}

export async function main(argv: string[]): Promise<void> {
  if (argv.includes('--hostile')) return hostile(argv);
  const args = parseArgs(argv);
  if (!corpusAvailable())
    throw new Error('the sa-dev corpus is not unpacked in .cache/corpus (see /work/shared/corpus/README.md)');
  const tdb = await createPostgresTestDatabase();
  try {
    const config = feedbackConfig(tdb.config.url, SHARED);
    // The deployed classifier options (floor, the user's blend and background), Bayes alone as the harness has it.
    const loop = await startLoop(config, {}, { ...spamClassifierOptions(config.bayes), logistic: null });
    let latency: Awaited<ReturnType<typeof latencyPhase>>;
    try {
      await seedGlobal(loop.store, corpus('spam', 100), corpus('ham', 100));
      progress('global layer seeded');
      latency = await latencyPhase(loop, args);
      void userScope;
    } finally {
      await loop.close();
    }
    const tdb2 = await createPostgresTestDatabase();
    let learner: Awaited<ReturnType<typeof learnerPhase>>;
    try {
      learner = await learnerPhase(tdb2.config.url, args.learnerEvents);
    } finally {
      await tdb2.drop();
    }
    const sorted = [...latency.latencies].sort((a, b) => a - b);
    const result = {
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
      maxMs: round(sorted[sorted.length - 1] ?? NaN),
      probes: sorted.length,
      backgroundMarksPerSec: round(latency.background / latency.bgSeconds),
      targetMarksPerSec: args.rate,
      markErrors: latency.errors,
      eventsPerSec: learner.eventsPerSec,
      learnerEvents: learner.events,
      learnerSeconds: learner.seconds,
    };
    if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else
      process.stdout.write(
        Object.entries(result)
          .map(([k, v]) => `${k.padEnd(22)} ${String(v)}`)
          .join('\n') + '\n',
      );
  } finally {
    await tdb.drop();
  }
}
