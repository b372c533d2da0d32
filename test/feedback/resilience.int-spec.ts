import { userScope, type BayesStore } from '@spamfilter/bayes';
import { createEventBus, silentBusLogger } from '@spamfilter/messaging';
import { LearnerTrainingEntity, ProcessedEventEntity, TypeOrmBayesStore } from '@spamfilter/persistence';
import request from 'supertest';
import type { EntityManager } from 'typeorm';
import { LearnerBayesStores } from '../../apps/api/src/consumers/learner.service';
import { FeedbackConsumer } from '../../apps/api/src/consumers/feedback.consumer';
import { FeedbackSource } from '../../apps/api/src/consumers/feedback-source';
import { BusFeedbackSource } from '../../apps/api/src/consumers/bus-feedback.source';
import type { FeedbackPayload } from '../../apps/api/src/services/feedback-payload';
import { bearer, createUser, type TestUser } from '../api/api-fixtures';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
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
} from './feedback-harness';
import { OwnKafka } from './own-kafka';

/**
 * Failures, on a Kafka broker this suite owns (stopping the shared one would break other suites): Kafka down while
 * marks arrive, and a learner killed in the middle of a batch. Nothing may be lost, nothing counted twice.
 */
const run = corpusAvailable() && OwnKafka.available() ? describe : describe.skip;
jest.setTimeout(180_000);

run('feedback under failure (own Kafka broker)', () => {
  let kafka: OwnKafka;
  let tdb: TestDatabase;

  beforeAll(async () => {
    kafka = await OwnKafka.create();
    await kafka.start();
  });

  afterAll(async () => {
    await kafka?.destroy();
  });

  // A fresh database per test: the counts below are absolute.
  beforeEach(async () => {
    tdb = await createPostgresTestDatabase();
  });

  afterEach(async () => {
    await tdb?.drop();
  });

  const processed = (loop: Loop): Promise<number> =>
    loop.db.getRepository(ProcessedEventEntity).countBy({ consumer: 'learner' });

  async function scanned(loop: Loop, rcpt: string, n: number, seed: number): Promise<string[]> {
    const base = corpus('spam', 1, 200 + seed)[0] as Buffer;
    const refs: string[] = [];
    for (let i = 0; i < n; i++)
      refs.push((await scan(loop, variant(base, seed * 1000 + i), [rcpt])).reference);
    for (const r of refs) await waitForRecord(loop, r);
    return refs;
  }

  it('accepts marks while Kafka is down and loses none after it returns', async () => {
    const config = feedbackConfig(tdb.config.url, { KAFKA_BROKERS: kafka.broker, KAFKA_REQUIRED: 'false' });
    const loop = await startLoop(config);
    try {
      const user = await createUser(loop.api, 'down@example.org');
      const refs = await scanned(loop, 'down@example.org', 20, 1);
      await kafka.stop();
      const started = Date.now();
      for (const reference of refs) {
        await request(loop.api.getHttpServer() as never)
          .post('/v1/marks')
          .set(bearer(user.token))
          .send({ reference, label: 'spam' })
          .expect(201);
      }
      const acceptMs = Date.now() - started;
      // The API never waits for Kafka. A mark that did would spend the publishing client's retries on the stopped
      // broker (≈ 1.3 s each, libs/messaging kafka-event-bus.ts); the bound allows 1 s per mark, ten times what a
      // mark takes on a loaded machine and twenty times its idle figure.
      expect(acceptMs).toBeLessThan(refs.length * 1000);
      const health = await request(loop.api.getHttpServer() as never)
        .get('/health')
        .expect(200);
      expect(health.body.outboxBacklog).toBeGreaterThanOrEqual(20);
      expect(await processed(loop)).toBe(0);

      await kafka.start();
      await waitFor(async () => (await processed(loop)) === 20, 120_000, 250);
      expect(await loop.db.getRepository(LearnerTrainingEntity).countBy({ userId: user.id })).toBe(20);
      expect((await loop.store.totals(userScope(user.id))).spam).toBe(20);
      await waitFor(
        async () =>
          (await request(loop.api.getHttpServer() as never).get('/health')).body.outboxBacklog === 0,
        60_000,
        250,
      );
    } finally {
      await kafka.start();
      await loop.close();
    }
  });

  it('a learner killed mid-batch restarts without counting anything twice', async () => {
    const config = feedbackConfig(tdb.config.url, { KAFKA_BROKERS: kafka.broker, OUTBOX_POLL_MS: '20' });
    // Instance A: its Bayes store dies on the 3rd training (the batch transaction rolls back); after its handler
    // has committed (per event), the process "dies" before Kafka offsets are committed.
    let killed = false;
    let trains = 0;
    let release: (() => void) | null = null;
    const hang = new Promise<void>((_, reject) => {
      release = () => reject(new Error('process killed'));
    });
    hang.catch(() => undefined);
    const dying = new (class extends LearnerBayesStores {
      forTransaction(m: EntityManager): TypeOrmBayesStore {
        const store = new TypeOrmBayesStore(m);
        return new Proxy(store, {
          get(target, prop, receiver) {
            if (prop === 'train') {
              return async (...args: Parameters<BayesStore['train']>) => {
                if (++trains === 3 && !killed) {
                  killed = true;
                  throw new Error('killed mid-batch');
                }
                return target.train(...args);
              };
            }
            return Reflect.get(target, prop, receiver) as unknown;
          },
        });
      }
    })();
    // The learner's batch consumer through libs/messaging, on a bus of its own that "dies" with instance A.
    const innerBus = await createEventBus(config.messaging, silentBusLogger);
    const inner = new BusFeedbackSource(innerBus, config.learner.groupId);
    const freezing = new (class extends FeedbackSource {
      start(handler: (batch: readonly FeedbackPayload[]) => Promise<void>): Promise<void> {
        return inner.start(async (batch) => {
          await handler(batch);
          if (killed) await hang; // never commits its offsets
        });
      }
      async stop(): Promise<void> {
        release?.();
        await inner.stop();
        await innerBus.close();
      }
    })();
    const a = await startLoop(config, { learnerStores: dying, feedbackSource: freezing });
    let user: TestUser;
    const marks = 12;
    try {
      await seedGlobal(a.store, corpus('spam', 5), corpus('ham', 5));
      user = await createUser(a.api, 'crash@example.org');
      const refs = await scanned(a, 'crash@example.org', marks, 2);
      await Promise.all(
        refs.map((reference) =>
          request(a.api.getHttpServer() as never)
            .post('/v1/marks')
            .set(bearer(user.token))
            .send({ reference, label: 'spam' })
            .expect(201),
        ),
      );
      await waitFor(
        async () => killed && (await processed(a)) > 0,
        60_000,
        25,
        `A killed (killed=${String(killed)})`,
      );
    } finally {
      await a.close();
    }
    // Instance B, same consumer group: Kafka redelivers what A never committed; processed_event skips it.
    const b = await startLoop(config);
    try {
      await waitFor(async () => (await processed(b)) === marks, 90_000, 100, 'B processed all').catch(
        async (err: Error) => {
          const backlog = (await request(b.api.getHttpServer() as never).get('/health')).body
            .outboxBacklog as number;
          throw new Error(
            `${err.message}: processed ${await processed(b)}/${marks}, B handled ${b.api.get(FeedbackConsumer).handled}, outbox backlog ${backlog}`,
          );
        },
      );
      await waitFor(async () => b.api.get(FeedbackConsumer).handled > 0, 30_000, 100);
      expect(await processed(b)).toBe(marks);
      // A redelivery of A's events would come before a mark made now: same user, so same key and partition. Once
      // this marker is processed, nothing earlier can still arrive twice.
      const [marker] = await scanned(b, 'crash@example.org', 1, 3);
      await request(b.api.getHttpServer() as never)
        .post('/v1/marks')
        .set(bearer(user!.token))
        .send({ reference: marker, label: 'spam' })
        .expect(201);
      await waitFor(async () => (await processed(b)) === marks + 1, 90_000, 100, 'the marker processed');
      expect(await b.db.getRepository(LearnerTrainingEntity).countBy({ userId: user!.id })).toBe(marks + 1);
      expect((await b.store.totals(userScope(user!.id))).spam).toBe(marks + 1);
      expect(b.api.get(FeedbackConsumer).handled).toBeGreaterThan(0);
    } finally {
      await b.close();
    }
  });
});
