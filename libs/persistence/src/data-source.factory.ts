import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseConfig } from '@spamfilter/config';
import pg from 'pg';
import { DataSource, MigrationExecutor, type DataSourceOptions } from 'typeorm';
import { entitiesFor, MIGRATIONS } from './schema';
import { SnakeNamingStrategy } from './snake-naming.strategy';
import { beginImmediateTransactions } from './sqlite-locking';

/** PostgreSQL's OID for `timestamp without time zone`. */
const TIMESTAMP_OID = 1114;

/**
 * Timestamps are `timestamp` (without time zone) on PostgreSQL because that is the type both drivers round-trip
 * without drift (column-types.ts). node-postgres would write and read them in the process's local time zone, so two
 * processes in different zones would disagree; we pin both directions to UTC instead. Reading is per pool (a
 * custom `types` object); writing is pg's process-wide `parseInputDatesAsUTC` switch, which is safe here because
 * this lib is the product's only pg user.
 */
const utcTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
    if (oid === TIMESTAMP_OID && format !== 'binary') {
      return (value: string | null) => (value === null ? null : new Date(`${value.replace(' ', 'T')}Z`));
    }
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
  },
};

export interface SchemaLists {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM takes classes
  readonly entities?: Function[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM takes classes
  readonly migrations?: Function[];
}

/** DataSourceOptions for the configured engine. Never `synchronize`: the schema comes only from migrations. */
export function dataSourceOptions(config: DatabaseConfig, schema: SchemaLists = {}): DataSourceOptions {
  const common = {
    entities: schema.entities ?? entitiesFor(config.type),
    migrations: schema.migrations ?? MIGRATIONS,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    logging: false,
  } as const;
  switch (config.type) {
    case 'sqlite':
      return {
        ...common,
        type: 'better-sqlite3',
        database: config.sqlitePath,
        // WAL lets the API read while the filter writes; the busy timeout makes a second process wait for the
        // write lock instead of failing at once (SQLITE_BUSY).
        enableWAL: config.sqlitePath !== ':memory:',
        timeout: config.busyTimeoutMs,
        // TypeORM also turns foreign keys on; doing it here keeps the guarantee visible and independent of it.
        // synchronous=NORMAL is SQLite's recommended setting in WAL mode: still crash-safe (no corruption), only the
        // last transactions may be lost on a power cut; FULL costs an fsync per commit.
        prepareDatabase: (db: { pragma(sql: string): unknown }) => {
          db.pragma('foreign_keys = ON');
          if (config.sqlitePath !== ':memory:') db.pragma('synchronous = NORMAL');
        },
      };
    case 'postgres':
      pg.defaults.parseInputDatesAsUTC = true;
      return {
        ...common,
        type: 'postgres',
        url: config.url,
        poolSize: config.poolSize,
        connectTimeoutMS: config.connectTimeoutMs,
        applicationName: 'spamfilter',
        extra: { types: utcTypes, options: '-c TimeZone=UTC' },
      };
  }
}

/** The start-up failure: one line that says what is wrong and where, never the password. */
export class DatabaseStartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseStartupError';
  }
}

interface PgTarget {
  host: string;
  port: string;
  database: string;
  user: string;
  password: string;
}

function pgTarget(url: string): PgTarget | null {
  try {
    const u = new URL(url);
    return {
      host: u.hostname || 'localhost',
      port: u.port || '5432',
      database: decodeURIComponent(u.pathname.replace(/^\//, '')),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
    };
  } catch {
    return null;
  }
}

/** "postgres at 127.0.0.1:5432" or "sqlite at .var/spamfilter.sqlite": where, without credentials. */
export function describeDatabase(config: DatabaseConfig): string {
  if (config.type === 'sqlite') return `sqlite at ${config.sqlitePath}`;
  const t = pgTarget(config.url);
  return t ? `postgres at ${t.host}:${t.port}` : 'postgres at (unparseable DB_URL)';
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  // Node's happy-eyeballs connect reports an AggregateError whose members carry the codes.
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const code = errorCode(inner);
      if (code) return code;
    }
  }
  return undefined;
}

function firstLine(err: unknown, secrets: readonly string[]): string {
  let text = err instanceof Error ? err.message : String(err);
  if (text === '' && err instanceof AggregateError)
    text = err.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))).join('; ');
  text = text.split('\n')[0].replace(/postgres(ql)?:\/\/[^\s@/]*@/g, 'postgres://***@');
  for (const secret of secrets) if (secret.length > 0) text = text.split(secret).join('***');
  return text;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
]);

/** Turns a connection or migration failure into one clear line. Exported for tests and the health detail. */
export function explainDatabaseError(
  config: DatabaseConfig,
  err: unknown,
  stage: 'connect' | 'migrate',
): string {
  const where = describeDatabase(config);
  const target = config.type === 'postgres' ? pgTarget(config.url) : null;
  const secrets = target ? [target.password, encodeURIComponent(target.password)] : [];
  const code = errorCode(err);
  const line = firstLine(err, secrets);
  if (stage === 'migrate') return `database: migrations failed on ${where}: ${line}`;
  if (config.type === 'postgres') {
    if (code && NETWORK_CODES.has(code)) return `database: cannot connect to ${where} (${code})`;
    if (/timeout/i.test(line))
      return `database: cannot connect to ${where} (timed out after ${config.connectTimeoutMs} ms)`;
    if (code === '28P01' || code === '28000')
      return `database: ${where} rejected user "${target?.user ?? ''}" (${code} ${line})`;
    if (code === '3D000') return `database: ${where} has no database "${target?.database ?? ''}" (3D000)`;
    return `database: cannot open ${where}${code ? ` (${code})` : ''}: ${line}`;
  }
  return `database: cannot open ${where}${code ? ` (${code})` : ''}: ${line}`;
}

/**
 * Opens the data source and, when configured, applies pending migrations. Any failure becomes a
 * DatabaseStartupError with one line naming what is wrong; the data source is closed again on failure.
 */
export async function openDataSource(config: DatabaseConfig, schema: SchemaLists = {}): Promise<DataSource> {
  if (config.type === 'sqlite' && config.sqlitePath !== ':memory:') {
    try {
      mkdirSync(dirname(config.sqlitePath), { recursive: true });
    } catch (err) {
      throw new DatabaseStartupError(explainDatabaseError(config, err, 'connect'));
    }
  }
  const dataSource = new DataSource(dataSourceOptions(config, schema));
  try {
    await dataSource.initialize();
  } catch (err) {
    throw new DatabaseStartupError(explainDatabaseError(config, err, 'connect'));
  }
  // Before the migrations: they run in transactions too (sqlite-locking.ts).
  beginImmediateTransactions(dataSource);
  if (config.migrationsRun) {
    try {
      await runMigrationsExclusively(dataSource);
    } catch (err) {
      await dataSource.destroy().catch(() => undefined);
      throw new DatabaseStartupError(explainDatabaseError(config, err, 'migrate'));
    }
  }
  return dataSource;
}

/** Advisory lock key (any constant unique to this use) held while one process applies migrations. */
const MIGRATION_LOCK = 0x5f0b0c1b;

/**
 * Several processes (filter, api, learner pods) start at once against a new database; TypeORM does not lock while it
 * migrates, so they would all try to create the same tables ("relation \"migrations\" already exists"). On
 * PostgreSQL one process at a time migrates under a session advisory lock held on a dedicated connection; the
 * others wait, then find nothing pending. SQLite serialises writers itself (busy timeout).
 */
async function runMigrationsExclusively(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type !== 'postgres') {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const lockRunner = dataSource.createQueryRunner();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      // Migrate on the lock's own connection, so a pool of size 1 cannot deadlock against itself.
      const executor = new MigrationExecutor(dataSource, lockRunner);
      executor.transaction = 'each';
      await executor.executePendingMigrations();
    } finally {
      await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await lockRunner.release();
  }
}
