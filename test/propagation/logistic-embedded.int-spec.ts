import type { SpamVerdict } from '@spamfilter/bayes';
import type { AppConfig } from '@spamfilter/config';
import { parseMessageSync } from '@spamfilter/mail';
import { LogisticSnapshotRepository } from '@spamfilter/persistence';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { bearer, createUser, type TestUser } from '../api/api-fixtures';
import { corpus, corpusAvailable } from '../feedback/feedback-harness';
import { MAIN_OPTIONS, propagationConfig, startStack, waitFor, type Stack } from './propagation-harness';

/**
 * The deployed logistic component in the embedded shape (scripts/embedded.ts): one process, one SQLite file, the
 * in-process bus, the API with its learner and the trainer on its own timer (as `npm start` runs it), the filter as
 * main.ts wires it. A filter started after a snapshot exists loads it at start.
 */
const run = corpusAvailable() ? describe : describe.skip;

run('logistic snapshot, embedded shape (SQLite file + in-process bus, trainer on its timer)', () => {
  let dir: string;
  let stack: Stack;
  let alice: TestUser;
  let late: FilterApp | null = null;
  let config: AppConfig;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-logistic-'));
    config = propagationConfig({
      BUS: 'memory',
      DB_TYPE: 'sqlite',
      DB_SQLITE_PATH: join(dir, 'spamfilter.sqlite'),
      LEARNER_GLOBAL_DAILY_CAP: '1000',
      LEARNER_GLOBAL_USER_FLOOR: '1000',
      // One user trains the global layer here: their marks are shared and need no other user's agreement.
      LEARNER_SHARE_DEFAULT: 'true',
      LEARNER_GLOBAL_MIN_SUPPORT: '0',
      LEARNER_SENDER_BLOCK_THRESHOLD: '0',
      LOGISTIC_CHECK_INTERVAL_MS: '200',
      // Any change retrains (a snapshot taken mid-stream must be followed by one of the whole set).
      LOGISTIC_RETRAIN_MIN_CHANGES: '1',
      LOGISTIC_POLL_MS: '600000',
    });
    stack = await startStack(config, 1);
    alice = await createUser(stack.api, 'alice@example.org');
  }, 120_000);

  afterAll(async () => {
    await late?.close();
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const classify = (f: FilterApp, raw: Buffer): Promise<SpamVerdict> => {
    const c = f.bayesModel!.classifier;
    return c.classify(c.prepare(parseMessageSync(raw)), null);
  };

  it('marks reach a snapshot without anyone calling the trainer, and every filter scores with it', async () => {
    const filter = stack.filters[0]!;
    const probe = corpus('spam', 1, 60)[0]!;
    expect((await classify(filter, probe)).discriminative).toBeNull();
    const bayesHealth = async (f: FilterApp): Promise<unknown> =>
      (
        await request(f.server as never)
          .get('/health')
          .expect(200)
      ).body.dependencies.bayes;
    expect(await bayesHealth(filter)).toEqual({
      state: 'up',
      detail: 'Bayes alone: no logistic snapshot yet',
    });
    const server = stack.api.getHttpServer() as never;
    for (const [label, msgs] of [
      ['spam', corpus('spam', 20)],
      ['ham', corpus('ham', 20)],
    ] as const)
      for (const raw of msgs)
        await request(server)
          .post(`/v1/marks/raw?label=${label}`)
          .set(bearer(alice.token))
          .set('Content-Type', 'message/rfc822')
          .send(raw)
          .expect(201);

    const repo = new LogisticSnapshotRepository(stack.db);
    await waitFor(
      async () => (await repo.latest())?.trainedCount === 40,
      30_000,
      'a snapshot of all 40 trainings',
      50,
    );
    const latest = (await repo.latest())!;
    expect(latest).toMatchObject({ spam: 20, ham: 20, globalVersion: 40 });
    await waitFor(
      async () => filter.bayesModel!.logistic.version === latest.version,
      10_000,
      'the filter at the newest snapshot',
      20,
    );
    const v = await classify(filter, probe);
    expect(v.discriminative as number).toBeGreaterThan(0);
    expect(await bayesHealth(filter)).toEqual({
      state: 'up',
      detail: `Bayes + logistic snapshot ${latest.version}`,
    });

    // A filter started now loads the newest snapshot at start (no event for it will come).
    late = await createFilterApp(
      { ...config, database: { ...config.database, migrationsRun: false } },
      { ...MAIN_OPTIONS, defaultMetrics: false },
    );
    await waitFor(
      async () => late!.bayesModel!.logistic.version === latest.version,
      10_000,
      'the late filter at the newest snapshot',
      20,
    );
    expect((await classify(late, probe)).discriminative).toBe(v.discriminative);
  }, 90_000);
});
