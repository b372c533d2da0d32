import type { DatabaseConfig } from '@spamfilter/config';
import type { DataSource } from 'typeorm';
import { DatabaseStartupError, describeDatabase, openDataSource } from './data-source.factory';
import { schemaDrift } from './schema-drift';

export const DB_COMMANDS = ['migrate', 'pending', 'revert', 'drift'] as const;
export type DbCommand = (typeof DB_COMMANDS)[number];

/**
 * Schema operations for operators and deploy jobs (e.g. a Kubernetes Job that migrates before a rollout, with
 * DB_MIGRATIONS_RUN=false on the services):
 *   migrate  apply pending migrations (under the same lock as start-up)
 *   pending  list migrations not yet applied (exit 1 when there are some)
 *   revert   undo the newest applied migration
 *   drift    print what TypeORM would still change (exit 1 when anything)
 * Returns the process exit code; writes human-readable lines to `out`.
 */
export async function runDbCommand(
  command: DbCommand,
  config: DatabaseConfig,
  out: (line: string) => void,
): Promise<number> {
  let ds: DataSource | undefined;
  try {
    ds = await openDataSource({ ...config, migrationsRun: command === 'migrate' });
    const where = describeDatabase(config);
    switch (command) {
      case 'migrate': {
        const applied = (await ds.query(`SELECT name FROM migrations ORDER BY id`)) as { name: string }[];
        out(
          `${where}: schema up to date (${applied.length} migrations applied, last ${applied.at(-1)?.name ?? 'none'})`,
        );
        return 0;
      }
      case 'pending': {
        const pending = await pendingMigrations(ds);
        out(pending.length ? `${where}: pending: ${pending.join(', ')}` : `${where}: no pending migrations`);
        return pending.length ? 1 : 0;
      }
      case 'revert': {
        await ds.undoLastMigration({ transaction: 'each' });
        out(`${where}: reverted the newest migration`);
        return 0;
      }
      case 'drift': {
        const drift = await schemaDrift(ds);
        out(drift.length ? `${where}: schema drift:\n${drift.join(';\n')};` : `${where}: no drift`);
        return drift.length ? 1 : 0;
      }
    }
    return 64; // unreachable: every command is handled above
  } catch (err) {
    out(
      err instanceof DatabaseStartupError
        ? err.message
        : `database: ${command} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    );
    return 2;
  } finally {
    if (ds?.isInitialized) await ds.destroy();
  }
}

async function pendingMigrations(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  const hasTable = await runner.hasTable('migrations').finally(() => runner.release());
  const applied = hasTable
    ? new Set(((await ds.query(`SELECT name FROM migrations`)) as { name: string }[]).map((r) => r.name))
    : new Set<string>();
  return ds.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !applied.has(name));
}
