import { resolve } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { busyBudgetMs, retryWhileBusy } from './sqlite-locking';

/**
 * SQLite write queues: one per database FILE (absolute path), shared by every data source of the process that opens
 * it; in-memory databases are private to their data source. See runInTransaction.
 */
const sqliteQueues = new Map<string, Promise<unknown>>();
const memoryQueueKeys = new WeakMap<DataSource, string>();
let memoryCounter = 0;

function sqliteQueueKey(dataSource: DataSource): string {
  const database = String((dataSource.options as { database?: unknown }).database ?? ':memory:');
  if (database !== ':memory:') return `file:${resolve(database)}`;
  let key = memoryQueueKeys.get(dataSource);
  if (!key) {
    key = `memory:${++memoryCounter}`;
    memoryQueueKeys.set(dataSource, key);
  }
  return key;
}

/**
 * Runs a unit of work in one database transaction. Callers that must combine writes (a change and its outbox event,
 * an event handler and its processed_event row) take the EntityManager from here and pass it to repositories.
 *
 * SQLite: TypeORM's better-sqlite3 driver shares ONE connection and query runner across the process, so two
 * concurrent `dataSource.transaction()` calls would nest as savepoints of each other instead of being isolated.
 * Transactions are therefore queued on SQLite (it has a single writer anyway). PostgreSQL runs them concurrently on
 * the pool.
 *
 * The queue is per database FILE, not per data source: better-sqlite3 is synchronous, so when two data sources of one
 * process (the embedded launcher's api and filter) open the same file and one waits for the other's write lock, it
 * sleeps in the busy handler on the event loop's thread while the lock holder cannot run: the process freezes for the
 * busy timeout and the write then fails with SQLITE_BUSY. Sharing the queue makes them take turns instead.
 * The repositories send their single-statement writes through `runWrite` for the same reason. A query issued outside
 * these helpers while a transaction is open runs on the same connection, inside that transaction.
 *
 * Against other connections (the filter's message-log thread, other processes) SQLite transactions begin IMMEDIATE
 * and a unit of work that still finds the database busy is run again within DB_SQLITE_BUSY_TIMEOUT_MS, then fails
 * with DatabaseBusyError (sqlite-locking.ts). `work` may therefore run more than once: it must not have effects
 * outside the transaction.
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
  return queued(dataSource, () =>
    retryWhileBusy(() => dataSource.transaction(work), busyBudgetMs(dataSource)),
  );
}

/**
 * A write that needs no transaction of its own (one statement). PostgreSQL: runs at once on the pool. SQLite: waits
 * its turn in the file's queue (see runInTransaction), so it never lands inside, or blocks on, another transaction.
 */
export function runWrite<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  if (dataSource.options.type === 'postgres') return work(dataSource.manager);
  return queued(dataSource, () => retryWhileBusy(() => work(dataSource.manager), busyBudgetMs(dataSource)));
}

function queued<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  const key = sqliteQueueKey(dataSource);
  const previous = sqliteQueues.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(work);
  const tail = next.catch(() => undefined);
  sqliteQueues.set(key, tail);
  // Forget an idle queue so closed databases do not pin entries.
  void tail.then(() => {
    if (sqliteQueues.get(key) === tail) sqliteQueues.delete(key);
  });
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
