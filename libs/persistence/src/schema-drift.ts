import type { DataSource } from 'typeorm';

/**
 * What TypeORM would still change to make the database match the entities, as SQL. After the migrations ran this
 * must be empty on every engine: the migrations are then the single source of the schema.
 */
export async function schemaDrift(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}

/** Reverts every executed migration, newest first; returns how many were reverted. */
export async function undoAllMigrations(dataSource: DataSource): Promise<number> {
  let reverted = 0;
  for (;;) {
    const executed = await dataSource.query(
      `SELECT COUNT(*) AS n FROM ${dataSource.driver.escape('migrations')}`,
    );
    if (Number((executed as { n: number | string }[])[0].n) === 0) return reverted;
    await dataSource.undoLastMigration({ transaction: 'each' });
    reverted++;
  }
}

/** The product's tables (TypeORM's own bookkeeping table excluded). */
export async function tableNames(dataSource: DataSource): Promise<string[]> {
  const rows: { name: string }[] =
    dataSource.options.type === 'postgres'
      ? await dataSource.query(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
        )
      : await dataSource.query(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
        );
  return rows
    .map((r) => r.name)
    .filter((n) => n !== 'migrations')
    .sort();
}
