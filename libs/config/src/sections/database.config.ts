import { configKey } from '../config-key';

export const databaseSection = {
  type: configKey.oneOf('DB_TYPE', 'Database engine', ['sqlite', 'postgres'] as const, 'sqlite'),
  sqlitePath: configKey.string(
    'DB_SQLITE_PATH',
    'SQLite file (embedded default); ":memory:" for a throw-away database',
    '.var/spamfilter.sqlite',
  ),
  url: configKey.string(
    'DB_URL',
    'PostgreSQL connection URL (DB_TYPE=postgres)',
    'postgres://spamfilter@127.0.0.1:5432/spamfilter',
    {
      secret: true,
      pattern: /^postgres(ql)?:\/\//,
    },
  ),
  migrationsRun: configKey.bool('DB_MIGRATIONS_RUN', 'Apply pending migrations at start-up', true),
  poolSize: configKey.int('DB_POOL_SIZE', 'PostgreSQL connection pool size per process', 10, {
    min: 1,
    max: 200,
  }),
  busyTimeoutMs: configKey.int(
    'DB_SQLITE_BUSY_TIMEOUT_MS',
    'SQLite: how long a write waits for a lock held by another connection (transactions begin IMMEDIATE and are retried within it); the API then answers 503 with Retry-After',
    5000,
    { min: 0 },
  ),
  connectTimeoutMs: configKey.int(
    'DB_CONNECT_TIMEOUT_MS',
    'Give up connecting to the database after this long at start-up',
    5000,
    { min: 100 },
  ),
};
