import type { DataSource, EntityManager } from 'typeorm';
import { queryRows, runInTransaction } from '../transactions';

/** A stored snapshot without its weights (what the trainer's decision and a filter's poll need). */
export interface LogisticSnapshotInfo {
  readonly version: number;
  /** Trainings the weights were trained on, and of each class. */
  readonly trainedCount: number;
  readonly spam: number;
  readonly ham: number;
  /** learner_scope_version of the global layer when the training set was read. */
  readonly globalVersion: number;
  readonly createdAt: Date;
  /** libs/bayes LogisticModelConfig as stored (validate with readLogisticModelConfig). */
  readonly config: unknown;
}

export interface LogisticSnapshotRow extends LogisticSnapshotInfo {
  /** libs/bayes encodeLogisticWeights bytes. */
  readonly weights: Uint8Array;
}

/** One message of the global layer's training set: its class and Bayes token ids. */
export interface GlobalTraining {
  readonly label: 'spam' | 'ham';
  readonly tokens: readonly number[];
}

/** Advisory lock key (any constant unique to this use): one logistic trainer at a time across learner instances. */
const TRAINER_LOCK = 0x5f1a7b01;

/** Token lists read per query (one bind parameter each, far below both drivers' limits). */
const READ_CHUNK = 500;

/** learner_scope_version row the learner adds 1 to per change of the global training set (what retraining follows). */
export const GLOBAL_CHANGES_COUNTER = 'global-changes';

/** SQLite is one process: trainers of one database file take turns through this set instead. */
const sqliteTrainers = new WeakSet<DataSource>();

interface RawInfo {
  version: number | string;
  trained_count: number | string;
  spam: number | string;
  ham: number | string;
  global_version: number | string;
  created_at: Date | string;
  config: string;
}

const INFO_COLUMNS = 'version, trained_count, spam, ham, global_version, created_at, config';

/**
 * The logistic component's snapshots (logistic_snapshot, and their weights in logistic_snapshot_weights, which has no
 * entity: see logistic-snapshot.entity.ts) and what the trainer
 * reads to build one. The training set is the global layer's: its bayes_trained rows (label, token ids and the time
 * each was trained, so "the newest N" is defined). A correction or undo changes this set at once, so the next
 * retrain is exact.
 */
export class LogisticSnapshotRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The newest snapshot's description, or null when there is none. */
  async latest(manager: EntityManager = this.dataSource.manager): Promise<LogisticSnapshotInfo | null> {
    const [row] = await queryRows<RawInfo>(
      manager,
      `SELECT ${INFO_COLUMNS} FROM logistic_snapshot ORDER BY version DESC LIMIT 1`,
    );
    return row ? info(row) : null;
  }

  /** One snapshot with its weights, or null when it does not exist (any more). */
  async load(version: number): Promise<LogisticSnapshotRow | null> {
    const [row] = await queryRows<RawInfo & { weights: Uint8Array }>(
      this.dataSource.manager,
      `SELECT s.version, s.trained_count, s.spam, s.ham, s.global_version, s.created_at, s.config, w.weights
         FROM logistic_snapshot s JOIN logistic_snapshot_weights w ON w.version = s.version WHERE s.version = :version`,
      { version },
    );
    if (!row) return null;
    return { ...info(row), weights: row.weights };
  }

  /**
   * How many times the global layer's training set has changed (learner_scope_version's GLOBAL_CHANGES_COUNTER, +1
   * per global training, correction or undo; 0: none). Not the global scope's own version: that moves once per
   * learner batch, however many marks the batch held.
   */
  async globalVersion(manager: EntityManager = this.dataSource.manager): Promise<number> {
    const [row] = await queryRows<{ version: number | string }>(
      manager,
      `SELECT version FROM learner_scope_version WHERE scope = :scope`,
      { scope: GLOBAL_CHANGES_COUNTER },
    );
    return Number(row?.version ?? 0);
  }

  /**
   * The newest `limit` trainings of the global layer (its bayes_trained rows), oldest first: by trained_at (one
   * learner batch shares a time), then by fingerprint, so one set always comes in one order. Read as the ordered keys
   * first (small rows), then the token lists by primary key in chunks with the event loop let through between them:
   * on SQLite every query is synchronous, and 20,000 token lists parsed in one go would hold up the scans of the
   * embedded filter for seconds.
   */
  async newestGlobalTrainings(
    limit: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<GlobalTraining[]> {
    const keys = await queryRows<{ fingerprint: string; label: 'spam' | 'ham' }>(
      manager,
      `SELECT fingerprint, label FROM bayes_trained WHERE scope = 'global'
        ORDER BY trained_at DESC, fingerprint DESC LIMIT ${Math.max(0, Math.floor(limit))}`,
    );
    keys.reverse();
    const tokens = new Map<string, readonly number[]>();
    for (let i = 0; i < keys.length; i += READ_CHUNK) {
      const part = keys.slice(i, i + READ_CHUNK).map((r) => r.fingerprint);
      const rows = await queryRows<{ fingerprint: string; tokens: string | readonly number[] }>(
        manager,
        `SELECT fingerprint, tokens FROM bayes_trained WHERE scope = 'global' AND fingerprint IN (:...part)`,
        { part },
      );
      for (const r of rows)
        tokens.set(
          r.fingerprint,
          typeof r.tokens === 'string' ? (JSON.parse(r.tokens) as number[]) : r.tokens,
        );
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // A training undone between the two reads is gone from the second: it is left out, as the next retrain will.
    return keys.flatMap((r) => {
      const t = tokens.get(r.fingerprint);
      return t ? [{ label: r.label, tokens: t }] : [];
    });
  }

  /**
   * Runs `work` only if no other trainer is running: a PostgreSQL session advisory lock (pg_try_advisory_lock, on a
   * connection of its own, released when `work` ends — or with the connection if the process dies); on SQLite, one
   * process, a per-data-source flag. Returns null without running `work` when another trainer holds the lock.
   */
  async withTrainerLock<T>(work: () => Promise<T>): Promise<{ readonly result: T } | null> {
    if (this.dataSource.options.type !== 'postgres') {
      if (sqliteTrainers.has(this.dataSource)) return null;
      sqliteTrainers.add(this.dataSource);
      try {
        return { result: await work() };
      } finally {
        sqliteTrainers.delete(this.dataSource);
      }
    }
    const runner = this.dataSource.createQueryRunner();
    try {
      const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS ok', [TRAINER_LOCK])) as {
        ok: boolean;
      }[];
      if (!row?.ok) return null;
      try {
        return { result: await work() };
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [TRAINER_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * Writes a snapshot and keeps only the newest `keep`, in one transaction with whatever `also` writes (the trainer's
   * outbox event: a committed snapshot is always announced). Its version is the newest + 1.
   */
  async add(
    snapshot: Omit<LogisticSnapshotRow, 'version'>,
    keep: number,
    also: (manager: EntityManager, version: number) => Promise<void>,
  ): Promise<number> {
    return runInTransaction(this.dataSource, async (m) => {
      const [max] = await queryRows<{ v: number | string | null }>(
        m,
        'SELECT MAX(version) AS v FROM logistic_snapshot',
      );
      const version = Number(max?.v ?? 0) + 1;
      await queryRows(
        m,
        `INSERT INTO logistic_snapshot_weights (version, weights) VALUES (:version, :weights)`,
        {
          version,
          weights: Buffer.from(
            snapshot.weights.buffer,
            snapshot.weights.byteOffset,
            snapshot.weights.byteLength,
          ),
        },
      );
      await queryRows(
        m,
        `INSERT INTO logistic_snapshot (version, config, trained_count, spam, ham, global_version, created_at)
         VALUES (:version, :config, :trainedCount, :spam, :ham, :globalVersion, :createdAt)`,
        {
          version,
          config: JSON.stringify(snapshot.config),
          trainedCount: snapshot.trainedCount,
          spam: snapshot.spam,
          ham: snapshot.ham,
          globalVersion: snapshot.globalVersion,
          createdAt: snapshot.createdAt,
        },
      );
      await queryRows(m, 'DELETE FROM logistic_snapshot WHERE version <= :oldest', {
        oldest: version - keep,
      });
      await queryRows(m, 'DELETE FROM logistic_snapshot_weights WHERE version <= :oldest', {
        oldest: version - keep,
      });
      await also(m, version);
      return version;
    });
  }
}

function info(r: RawInfo): LogisticSnapshotInfo {
  return {
    version: Number(r.version),
    trainedCount: Number(r.trained_count),
    spam: Number(r.spam),
    ham: Number(r.ham),
    globalVersion: Number(r.global_version),
    // SQLite returns TypeORM's UTC datetime text; PostgreSQL a Date (pinned to UTC by data-source.factory.ts).
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(`${r.created_at.replace(' ', 'T')}Z`),
    config: parseJson(r.config),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
