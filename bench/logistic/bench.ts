/**
 * `npm run -s bench -- logistic [--examples 20000] [--runs 3] [--db sqlite|postgres] [--corpus DIR] [--json]`
 *
 * The cost of the deployed logistic component's retrain and load: a fresh database (SQLite in memory, or a fresh
 * PostgreSQL database on scripts/services.sh's server) gets --examples global trainings in learner_training (the token
 * ids of the corpus's messages, cycled, with their labels, as the learner writes them); then apps/api LogisticTrainer
 * retrains --runs times (read the set, features, 8 passes, encode, write the snapshot and its outbox event) and a
 * filter's load (read + decode) is timed. Prints medians: retrainMs, maxStallMs (the longest the event loop was held
 * during a retrain: what a scan in the same process could wait), loadMs, snapshotBytes.
 */
import { loadConfig } from '@spamfilter/config';
import { decodeLogisticWeights, tokenize } from '@spamfilter/bayes';
import { parseMessageSafe } from '@spamfilter/mail';
import {
  BayesTrainedEntity,
  BayesTrainedSqliteEntity,
  LogisticSnapshotRepository,
  openDataSource,
  queryRows,
} from '@spamfilter/persistence';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { LogisticTrainer } from '../../apps/api/src/consumers/logistic-trainer';
import type { OutboxRelayService } from '../../apps/api/src/services/outbox-relay.service';
import { createPostgresTestDatabase, type TestDatabase } from '../../test/persistence/test-databases';
import { loadMessages, readIndex } from '../lib/corpus';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function main(argv: string[]): Promise<void> {
  let examples = 20_000;
  let runs = 3;
  let db: 'sqlite' | 'postgres' = 'sqlite';
  let corpus = '.cache/corpus/sa-dev';
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => argv[++i] ?? '';
    if (k === '--examples') examples = Number(v());
    else if (k === '--runs') runs = Number(v());
    else if (k === '--db') db = v() === 'postgres' ? 'postgres' : 'sqlite';
    else if (k === '--corpus') corpus = v();
    else if (k === '--json') json = true;
    else throw new Error(`unknown argument ${String(k)}`);
  }
  const msgs = loadMessages(corpus, readIndex(corpus)).map((m) => ({
    label: m.label,
    tokens: Array.from(tokenize(parseMessageSafe(m.raw)).ids),
  }));
  let pg: TestDatabase | null = null;
  const config =
    db === 'postgres'
      ? (pg = await createPostgresTestDatabase()).config
      : loadConfig({ DB_SQLITE_PATH: ':memory:' }).database;
  const ds = await openDataSource(config);
  try {
    await seed(ds, msgs, examples);
    const app = loadConfig({ LOGISTIC_RETRAIN_MIN_CHANGES: '1', LOGISTIC_RETRAIN_MAX_AGE_SECONDS: '0' });
    // The relay is not running here: the outbox row is written and stays (what a kick would publish is not measured).
    const trainer = new LogisticTrainer(ds, { kick: () => undefined } as unknown as OutboxRelayService, app);
    const repo = new LogisticSnapshotRepository(ds);
    const retrain: number[] = [];
    const stalls: number[] = [];
    const load: number[] = [];
    let bytes = 0;
    for (let r = 0; r < runs; r++) {
      await bump(ds); // one change, so the next check retrains
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const t0 = performance.now();
      const out = await trainer.runOnce();
      retrain.push(performance.now() - t0);
      delay.disable();
      stalls.push(delay.max / 1e6);
      if (out.status !== 'trained') throw new Error(`trainer: ${JSON.stringify(out)}`);
      bytes = out.bytes;
      const t1 = performance.now();
      const row = await repo.load(out.version);
      decodeLogisticWeights(row!.weights, app.bayes.discriminativeBits);
      load.push(performance.now() - t1);
    }
    const result = {
      bench: 'logistic',
      db,
      examples,
      runs,
      retrainMs: Math.round(median(retrain)),
      maxStallMs: Math.round(median(stalls)),
      loadMs: Math.round(median(load)),
      snapshotBytes: bytes,
      loadAverage: Math.round((loadavg()[0] as number) * 100) / 100,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    process.stdout.write(
      json
        ? `${JSON.stringify(result)}\n`
        : `${Object.entries(result)
            .map(([k, v]) => `${k.padEnd(14)} ${String(v)}`)
            .join('\n')}\n`,
    );
  } finally {
    await ds.destroy();
    await pg?.drop();
  }
}

async function seed(
  ds: DataSource,
  msgs: readonly { label: 'spam' | 'ham'; tokens: number[] }[],
  n: number,
): Promise<void> {
  // The global layer's trainings as the learner writes them: bayes_trained rows (distinct signed token ids).
  const entity = ds.options.type === 'postgres' ? BayesTrainedEntity : BayesTrainedSqliteEntity;
  const start = Date.now() - n * 1000;
  for (let i = 0; i < n; i += 500) {
    const rows = [];
    for (let j = i; j < Math.min(n, i + 500); j++) {
      const m = msgs[j % msgs.length]!;
      rows.push({
        scope: 'global',
        fingerprint: `m${j}`,
        label: m.label,
        tokens: [...new Set(m.tokens.map((t) => t | 0))].sort((a, b) => a - b),
        trainedAt: new Date(start + j * 1000),
      });
    }
    await ds.getRepository(entity).insert(rows);
  }
  await queryRows(
    ds.manager,
    `INSERT INTO learner_scope_version (scope, version) VALUES ('global-changes', :n)`,
    { n },
  );
}

async function bump(ds: DataSource): Promise<void> {
  await queryRows(
    ds.manager,
    `UPDATE learner_scope_version SET version = version + 1 WHERE scope = 'global-changes'`,
  );
}
