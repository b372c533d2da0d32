import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/** Bound parameters per statement: below SQLite's 32766 and PostgreSQL's 65535. */
const MAX_PARAMETERS = 30000;
/** Rows per statement, whatever the width: keeps statements and their plans small. */
const MAX_ROWS = 500;

export interface BulkInsertOptions {
  /** A row whose primary key exists replaces the stored one's other columns (an upsert) instead of failing. */
  readonly replace?: boolean;
}

/**
 * Multi-row INSERT of whole entities, without TypeORM's per-row query-builder work (which cost ~250-350 µs of CPU
 * per scan record in bench:persistence, a real share of a filter's CPU for its write-behind). Values still go
 * through the driver's own `preparePersistentValue`, so JSON, dates and booleans are stored exactly as the
 * repositories' other writes store them (the round-trip tests read them back through TypeORM).
 * Only for entities whose every column is written by the caller (no generated columns).
 */
export async function bulkInsert<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  rows: readonly T[],
  options: BulkInsertOptions = {},
): Promise<void> {
  if (rows.length === 0) return;
  const driver = manager.connection.driver;
  const metadata = manager.connection.getMetadata(target);
  const columns = metadata.columns.filter((c) => !c.isVirtual);
  const postgres = manager.connection.options.type === 'postgres';
  const table = driver.escape(metadata.tableName);
  const columnList = columns.map((c) => driver.escape(c.databaseName)).join(', ');
  const primary = metadata.primaryColumns.map((c) => driver.escape(c.databaseName));
  const rest = columns.filter((c) => !c.isPrimary).map((c) => driver.escape(c.databaseName));
  // Both engines spell the upsert the same way (PostgreSQL 9.5+, SQLite 3.24+).
  const onConflict =
    options.replace && rest.length > 0
      ? ` ON CONFLICT (${primary.join(', ')}) DO UPDATE SET ${rest.map((c) => `${c} = excluded.${c}`).join(', ')}`
      : '';
  const perStatement = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMETERS / columns.length)));
  for (let start = 0; start < rows.length; start += perStatement) {
    const slice = rows.slice(start, start + perStatement);
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (const row of slice) {
      const marks: string[] = [];
      for (const column of columns) {
        values.push(driver.preparePersistentValue(column.getEntityValue(row), column));
        marks.push(postgres ? `$${values.length}` : '?');
      }
      tuples.push(`(${marks.join(', ')})`);
    }
    await manager.query(
      `INSERT INTO ${table} (${columnList}) VALUES ${tuples.join(', ')}${onConflict}`,
      values,
    );
  }
}

/**
 * Builds an entity from a raw row selected with `alias.*` in hand-written SQL, converting each column as TypeORM's
 * own hydration does (SQLite datetime text to Date, simple-json text to objects, pg numerics).
 */
export function hydrateEntity<T extends ObjectLiteral>(
  dataSource: DataSource,
  target: EntityTarget<T>,
  raw: Record<string, unknown>,
): T {
  const metadata = dataSource.getMetadata(target);
  const entity = metadata.create() as T;
  for (const column of metadata.columns) {
    if (column.isVirtual) continue;
    column.setEntityValue(entity, dataSource.driver.prepareHydratedValue(raw[column.databaseName], column));
  }
  return entity;
}
