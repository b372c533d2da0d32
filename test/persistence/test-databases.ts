import { randomBytes } from 'node:crypto';
import { loadConfigFromProcess, type DatabaseConfig } from '@spamfilter/config';
import pg from 'pg';

/**
 * Databases for integration tests. PostgreSQL: the server scripts/services.sh brings up (role spamfilter, database
 * spamfilter_test on 127.0.0.1:5432), or the one DB_URL names when DB_TYPE=postgres; every suite gets a fresh,
 * uniquely named database that it drops afterwards, so runs never see each other's rows.
 */
const SERVICES_URL = 'postgres://spamfilter:spamfilter@127.0.0.1:5432/spamfilter_test';

function baseConfig(): DatabaseConfig {
  const config = loadConfigFromProcess().database;
  return config.type === 'postgres' ? config : { ...config, type: 'postgres', url: SERVICES_URL };
}

export interface TestDatabase {
  readonly config: DatabaseConfig;
  drop(): Promise<void>;
}

export async function createPostgresTestDatabase(
  overrides: Partial<DatabaseConfig> = {},
): Promise<TestDatabase> {
  const base = baseConfig();
  const name = `spamfilter_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base.url, connectionTimeoutMillis: base.connectTimeoutMs });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base.url);
  url.pathname = `/${name}`;
  return {
    config: { ...base, url: url.toString(), migrationsRun: true, ...overrides },
    async drop() {
      const c = new pg.Client({ connectionString: base.url, connectionTimeoutMillis: base.connectTimeoutMs });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A throw-away in-memory SQLite database with the same settings as production's embedded default. */
export function sqliteMemoryConfig(): DatabaseConfig {
  return { ...loadConfigFromProcess().database, type: 'sqlite', sqlitePath: ':memory:', migrationsRun: true };
}
