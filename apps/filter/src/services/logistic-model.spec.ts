import {
  DEFAULT_SPAM_CLASSIFIER,
  MemoryBayesStore,
  SpamClassifier,
  encodeLogisticWeights,
  logisticModelConfig,
  type LogisticModelConfig,
} from '@spamfilter/bayes';
import { loadConfig } from '@spamfilter/config';
import { parseMessageSync } from '@spamfilter/mail';
import { LogisticSnapshotRepository, openDataSource } from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';
import { LogisticSnapshotLoader } from './logistic-model';
import { FilterDatabase } from './persistence/filter-database';

/** The filter's snapshot loader on SQLite in memory: installs the newest, keeps the previous on any failure. */
describe('LogisticSnapshotLoader', () => {
  const BITS = 12;
  const options = { ...DEFAULT_SPAM_CLASSIFIER, logistic: { bits: BITS, rate: 1, margin: 3 } };
  const config = logisticModelConfig(options) as LogisticModelConfig;
  let ds: DataSource;
  let repo: LogisticSnapshotRepository;
  let classifier: SpamClassifier;
  let loader: LogisticSnapshotLoader;
  const warnings: string[] = [];

  beforeEach(async () => {
    ds = await openDataSource(loadConfig({ DB_SQLITE_PATH: ':memory:' }).database);
    repo = new LogisticSnapshotRepository(ds);
    classifier = new SpamClassifier(new MemoryBayesStore(), options);
    classifier.useLogistic(null);
    loader = new LogisticSnapshotLoader(
      classifier,
      new FilterDatabase(loadConfig({}).database, 5000, ds),
      { pollMs: 600_000, retryMs: 600_000 },
      (w) => void warnings.push(w),
    );
    warnings.length = 0;
  });
  afterEach(async () => {
    await loader.close();
    await ds.destroy();
  });

  const probe = () =>
    classifier.prepare(parseMessageSync(Buffer.from('Subject: cheap pills\r\n\r\nbuy cheap pills\r\n')));

  /** Weights that put `value` on every feature of the probe. */
  async function snapshot(
    value: number,
    overrides: { weights?: Uint8Array; config?: unknown } = {},
  ): Promise<number> {
    const w = new Float32Array(1 << BITS);
    for (const f of probe().features) w[f] = value;
    return repo.add(
      {
        weights: overrides.weights ?? encodeLogisticWeights(w),
        config: overrides.config ?? config,
        trainedCount: 2,
        spam: 1,
        ham: 1,
        globalVersion: 2,
        createdAt: new Date(),
      },
      3,
      () => Promise.resolve(),
    );
  }

  it('is Bayes alone without a snapshot, installs the newest, and ignores an event for a version it has', async () => {
    await loader.refresh();
    expect(loader.version).toBeNull();
    expect((await classifier.classify(probe())).discriminative).toBeNull();
    await snapshot(0.5);
    loader.onEvent({
      eventId: 'e1',
      kind: 'logistic',
      userId: null,
      version: 1,
      occurredAt: '',
      payload: { version: 1 },
    });
    await loader.refresh();
    expect(loader.version).toBe(1);
    const z = (await classifier.classify(probe())).discriminative as number;
    expect(z).toBeGreaterThan(0);
    expect(loader.stats.loads).toBe(1);
    loader.onEvent({
      eventId: 'e2',
      kind: 'logistic',
      userId: null,
      version: 1,
      occurredAt: '',
      payload: { version: 1 },
    });
    await loader.refresh();
    expect(loader.stats.loads).toBe(1);
  });

  it('keeps the previous weights when a snapshot does not decode, is for other features, or the database fails', async () => {
    await snapshot(0.5);
    await loader.refresh();
    const z = (await classifier.classify(probe())).discriminative;
    await snapshot(1, { weights: Uint8Array.from([1, 2, 3]) });
    await loader.refresh();
    expect(loader.version).toBe(1);
    expect(loader.stats.failures).toBe(1);
    expect(loader.lastError).toMatch(/shorter than the header/);
    expect((await classifier.classify(probe())).discriminative).toBe(z);

    await snapshot(1, { config: { ...config, bits: BITS + 1 } });
    await loader.refresh();
    await loader.refresh();
    expect(loader.version).toBe(1);
    expect(loader.stats.refused).toBe(1);
    expect(warnings).toEqual([expect.stringContaining('logistic snapshot 3 not installed')]);

    await ds.destroy();
    await loader.refresh();
    expect(loader.stats.failures).toBe(2);
    expect((await classifier.classify(probe())).discriminative).toBe(z);
    ds = await openDataSource(loadConfig({ DB_SQLITE_PATH: ':memory:' }).database); // for afterEach
  });
});
