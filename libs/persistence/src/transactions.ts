import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** Serialises SQLite transactions per data source (see Transactions.run). */
const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * Runs a unit of work in one database transaction. Callers that must combine writes (a change and its outbox event,
 * an event handler and its processed_event row) take the EntityManager from here and pass it to repositories.
 *
 * SQLite: TypeORM's better-sqlite3 driver shares ONE connection and query runner across the process, so two
 * concurrent `dataSource.transaction()` calls would nest as savepoints of each other instead of being isolated.
 * Transactions are therefore queued per data source on SQLite (it has a single writer anyway). PostgreSQL runs them
 * concurrently on the pool. Note for SQLite: a query issued outside this runner while a transaction is open runs
 * on the same connection, inside that transaction.
 */
@Injectable()
export class Transactions {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return runInTransaction(this.dataSource, work);
  }
}

export function runInTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  if (dataSource.options.type === 'postgres') return dataSource.transaction(work);
  const previous = sqliteQueues.get(dataSource) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => dataSource.transaction(work));
  sqliteQueues.set(dataSource, next);
  return next;
}

/** Runs `sql` with named parameters (`:name`, `:...list`) on either driver; returns the rows. */
export async function queryRows<T>(
  manager: EntityManager,
  sql: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  const [query, values] = manager.connection.driver.escapeQueryWithParameters(sql, params, {});
  return (await manager.query(query, values)) as T[];
}
