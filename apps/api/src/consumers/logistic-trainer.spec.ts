import { decodeLogisticWeights, hashToken } from '@spamfilter/bayes';
import { loadConfig, type AppConfig } from '@spamfilter/config';
import type { ModelChangeEvent } from '@spamfilter/domain';
import {
  BayesTrainedSqliteEntity,
  LogisticSnapshotRepository,
  OutboxEventEntity,
  openDataSource,
  queryRows,
} from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';
import type { OutboxRelayService } from '../services/outbox-relay.service';
import { LogisticTrainer } from './logistic-trainer';

/** The trainer on SQLite in memory (the embedded shape): the global layer's bayes_trained rows as the learner writes them. */
describe('LogisticTrainer (SQLite)', () => {
  let ds: DataSource;
  let kicks = 0;
  const relay = { kick: () => void kicks++ } as unknown as OutboxRelayService;
  const t0 = new Date('2026-11-22T12:00:00Z');
  let seq = 0;

  const config = (env: Record<string, string> = {}): AppConfig =>
    loadConfig({
      DB_SQLITE_PATH: ':memory:',
      BAYES_LR_BITS: '12',
      LOGISTIC_RETRAIN_MIN_CHANGES: '3',
      LOGISTIC_SNAPSHOTS_KEPT: '2',
      LOGISTIC_MIN_PER_CLASS: '1',
      ...env,
    });

  beforeEach(async () => {
    ds = await openDataSource(config().database);
    kicks = 0;
  });
  afterEach(async () => {
    await ds.destroy();
  });

  /** Trains the global layer with one message (as the learner: its bayes_trained row + the scope version); an undone one leaves no row. */
  async function train(label: 'spam' | 'ham', words: string[], undone = false): Promise<void> {
    seq++;
    if (!undone)
      await ds.getRepository(BayesTrainedSqliteEntity).insert({
        scope: 'global',
        fingerprint: `m${seq}`,
        label,
        tokens: [...new Set(words.map((w) => hashToken(w) | 0))].sort((a, b) => a - b),
        trainedAt: new Date(t0.getTime() + seq * 1000),
      });
    await queryRows(
      ds.manager,
      `INSERT INTO learner_scope_version (scope, version) VALUES ('global-changes', 1)
       ON CONFLICT (scope) DO UPDATE SET version = learner_scope_version.version + 1`,
    );
  }

  const at = (seconds: number): Date => new Date(t0.getTime() + seconds * 1000);

  it('waits for both classes, trains, announces the version through the outbox, and keeps LOGISTIC_SNAPSHOTS_KEPT', async () => {
    const trainer = new LogisticTrainer(ds, relay, config());
    expect(await trainer.runOnce(at(0))).toMatchObject({
      status: 'skipped',
      reason: 'the global layer was never trained',
    });
    await train('spam', ['cheap', 'pills']);
    expect(await trainer.runOnce(at(1))).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('1 spam and 0 ham'),
    });
    await train('ham', ['meeting', 'notes']);
    await train('ham', ['budget', 'notes'], true); // undone: not in the set
    const first = await trainer.runOnce(at(2));
    expect(first).toMatchObject({ status: 'trained', version: 1, examples: 2 });
    expect(kicks).toBe(1);

    const repo = new LogisticSnapshotRepository(ds);
    const row = (await repo.load(1))!;
    expect(row).toMatchObject({ version: 1, trainedCount: 2, spam: 1, ham: 1, globalVersion: 3 });
    expect(row.config).toMatchObject({ features: 'token-views', bits: 12, passes: 8, maxWeight: 2 });
    expect(decodeLogisticWeights(row.weights, 12).some((w) => w !== 0)).toBe(true);
    const [event] = await ds.getRepository(OutboxEventEntity).find({ order: { id: 'DESC' }, take: 1 });
    expect(event).toMatchObject({ topic: 'spamfilter.model.v1', messageKey: 'global' });
    expect(event!.payload as ModelChangeEvent).toMatchObject({
      kind: 'logistic',
      userId: null,
      version: 1,
      payload: { version: 1 },
    });

    // Two changes < 3: not yet; the third: retrain. Only the newest two snapshots stay.
    await train('spam', ['cheap', 'watches']);
    await train('ham', ['lunch', 'notes']);
    expect(await trainer.runOnce(at(3))).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('2 changes < 3'),
    });
    await train('spam', ['cheap', 'loans']);
    expect(await trainer.runOnce(at(4))).toMatchObject({ status: 'trained', version: 2, examples: 5 });
    for (let i = 0; i < 3; i++) await train('ham', ['notes', `n${i}`]);
    expect(await trainer.runOnce(at(5))).toMatchObject({ status: 'trained', version: 3, examples: 8 });
    expect(await repo.load(1)).toBeNull();
    expect((await repo.latest())!.version).toBe(3);
    expect(await ds.query('SELECT version FROM logistic_snapshot_weights ORDER BY version')).toEqual([
      { version: 2 },
      { version: 3 },
    ]);
  });

  it('trains on the newest LOGISTIC_MAX_EXAMPLES trainings', async () => {
    const trainer = new LogisticTrainer(ds, relay, config({ LOGISTIC_MAX_EXAMPLES: '3' }));
    await train('spam', ['old']);
    await train('spam', ['cheap']);
    await train('ham', ['notes']);
    await train('ham', ['lunch']);
    expect(await trainer.runOnce(at(0))).toMatchObject({ status: 'trained', examples: 3 });
    expect(await new LogisticSnapshotRepository(ds).latest()).toMatchObject({
      trainedCount: 3,
      spam: 1,
      ham: 2,
    });
  });

  it('makes no snapshot before LOGISTIC_MIN_PER_CLASS trainings of each class', async () => {
    const trainer = new LogisticTrainer(
      ds,
      relay,
      config({ LOGISTIC_MIN_PER_CLASS: '2', LOGISTIC_RETRAIN_MIN_CHANGES: '1' }),
    );
    await train('spam', ['cheap']);
    await train('spam', ['pills']);
    await train('ham', ['notes']);
    expect(await trainer.runOnce(at(0))).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('fewer than 2 of each'),
    });
    expect(await new LogisticSnapshotRepository(ds).latest()).toBeNull();
    await train('ham', ['lunch']);
    expect(await trainer.runOnce(at(1))).toMatchObject({ status: 'trained', examples: 4 });
  });

  it('is off without the discriminative component, and one run at a time', async () => {
    expect(await new LogisticTrainer(ds, relay, config({ BAYES_DISCRIMINATIVE: 'false' })).runOnce()).toEqual(
      {
        status: 'off',
        reason: 'BAYES_DISCRIMINATIVE=false',
      },
    );
    const trainer = new LogisticTrainer(ds, relay, config());
    const repo = new LogisticSnapshotRepository(ds);
    expect(await repo.withTrainerLock(() => trainer.runOnce())).toEqual({ result: { status: 'locked' } });
  });
});
