import type { DatabaseConfig } from '@spamfilter/config';
import {
  DatabaseStartupError,
  dataSourceOptions,
  describeDatabase,
  explainDatabaseError,
  openDataSource,
} from './data-source.factory';
import { MIGRATIONS } from './schema';

const pgConfig = (url: string): DatabaseConfig => ({
  type: 'postgres',
  sqlitePath: ':memory:',
  url,
  migrationsRun: true,
  poolSize: 3,
  busyTimeoutMs: 1000,
  connectTimeoutMs: 1000,
});

describe('data source factory', () => {
  it('builds PostgreSQL options from the config: pool size, connect timeout, never synchronize', () => {
    const options = dataSourceOptions(pgConfig('postgres://u:p@db.internal:6432/sf'));
    expect(options).toMatchObject({
      type: 'postgres',
      poolSize: 3,
      connectTimeoutMS: 1000,
      synchronize: false,
      migrationsRun: false,
    });
    expect(options.migrations).toBe(MIGRATIONS);
  });

  it('builds SQLite options with WAL for files, the busy timeout, and foreign keys on', () => {
    const options = dataSourceOptions({
      ...pgConfig('postgres://x@y/z'),
      type: 'sqlite',
      sqlitePath: '/tmp/x/sf.sqlite',
      busyTimeoutMs: 2500,
    });
    expect(options).toMatchObject({
      type: 'better-sqlite3',
      database: '/tmp/x/sf.sqlite',
      enableWAL: true,
      timeout: 2500,
      synchronize: false,
    });
  });

  it('describes where the database is without credentials', () => {
    expect(describeDatabase(pgConfig('postgres://spamfilter:hunter2@10.0.0.5:6543/sf'))).toBe(
      'postgres at 10.0.0.5:6543',
    );
    expect(describeDatabase(pgConfig('postgres://spamfilter:hunter2@db/sf'))).toBe('postgres at db:5432');
  });

  it('fails with ONE clear line for an unreachable PostgreSQL (127.0.0.1:1), without the password', async () => {
    const config = pgConfig('postgres://spamfilter:hunter2-secret@127.0.0.1:1/spamfilter');
    const failure = await openDataSource(config).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(DatabaseStartupError);
    expect((failure as Error).message).toBe(
      'database: cannot connect to postgres at 127.0.0.1:1 (ECONNREFUSED)',
    );
  });

  it('never echoes the password from a driver message', () => {
    const config = pgConfig('postgres://spamfilter:hunter2-secret@db:5432/spamfilter');
    const line = explainDatabaseError(
      config,
      Object.assign(
        new Error('boom for postgres://spamfilter:hunter2-secret@db:5432 hunter2-secret\nsecond line'),
        { code: 'XX000' },
      ),
      'connect',
    );
    expect(line).toBe(
      'database: cannot open postgres at db:5432 (XX000): boom for postgres://***@db:5432 ***',
    );
  });

  it('names a SQLite directory that cannot be created', async () => {
    const config: DatabaseConfig = {
      ...pgConfig('postgres://x@y/z'),
      type: 'sqlite',
      sqlitePath: '/etc/hostname/sub/sf.sqlite',
    };
    await expect(openDataSource(config)).rejects.toThrow(
      'database: cannot open sqlite at /etc/hostname/sub/sf.sqlite (ENOTDIR)',
    );
  });
});
