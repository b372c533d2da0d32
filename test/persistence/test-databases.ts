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

/** Test databases older than this are leftovers of killed runs (no suite runs this long). */
const STALE_AFTER_S = 3600;

async function sweepStaleDatabases(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'spamfilter\\_t\\_%'`,
  );
  const now = Date.now() / 1000;
  for (const { datname } of rows) {
    const m = /^spamfilter_t_(\d{10})_[0-9a-f]{8}$/.exec(datname);
    if (m && now - Number(m[1]) > STALE_AFTER_S) {
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    }
  }
}

export interface TestDatabase {
  readonly config: DatabaseConfig;
  drop(): Promise<void>;
}

export async function createPostgresTestDatabase(
  overrides: Partial<DatabaseConfig> = {},
): Promise<TestDatabase> {
  const base = baseConfig();
  // The creation time is in the name, so databases left behind by a killed run can be swept later.
  const name = `spamfilter_t_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base.url, connectionTimeoutMillis: base.connectTimeoutMs });
  await admin.connect();
  try {
    await sweepStaleDatabases(admin);
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
        // WITH (FORCE) still fails while a server background process (autovacuum after a burst of writes) holds the
        // database for a moment: retry a few times.
        for (let attempt = 1; ; attempt++) {
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            break;
          } catch (err) {
            if (attempt >= 5) throw err;
            await new Promise((r) => setTimeout(r, 300 * attempt));
          }
        }
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
