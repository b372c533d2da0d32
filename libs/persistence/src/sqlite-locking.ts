import type { DataSource } from 'typeorm';

/**
 * SQLite lock contention, handled in one place.
 *
 * Why API writes failed at once with SQLITE_BUSY although DB_SQLITE_BUSY_TIMEOUT_MS is 5 s: TypeORM opens its
 * transactions with a plain (DEFERRED) `BEGIN`, so a unit of work that reads first (a mark looks up the user's current
 * mark) holds a read snapshot and then asks for the write lock. When another connection (the filter's message-log
 * thread, another process) holds that lock or has committed since the snapshot was taken, SQLite cannot let the
 * transaction wait — it would deadlock or write over a stale snapshot — so it answers SQLITE_BUSY (or
 * SQLITE_BUSY_SNAPSHOT) without calling the busy handler (https://www.sqlite.org/lang_transaction.html, "BEGIN
 * IMMEDIATE"; https://www.sqlite.org/wal.html §"Sometimes Queries Return SQLITE_BUSY In WAL Mode"). Measured: 1,000
 * read-then-write transactions 16 at a time against a thread committing every few milliseconds: 833 failed
 * (540 SQLITE_BUSY, 293 SQLITE_BUSY_SNAPSHOT) within 3.7 s.
 *
 * The remedy: every transaction starts with `BEGIN IMMEDIATE`, which takes the write lock first and therefore does
 * wait in the busy handler (up to the busy timeout); and what still comes back busy (the timeout ran out, WAL
 * recovery) is retried by runInTransaction/runWrite within the same budget, then reported as DatabaseBusyError, which
 * the API answers with 503 and Retry-After — never a 500.
 */

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT, _RECOVERY, _TIMEOUT): another connection holds a lock. */
export function isSqliteBusy(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; driverError?: unknown };
  if (typeof e.code === 'string' && e.code.startsWith('SQLITE_BUSY')) return true;
  return e.driverError !== undefined && e.driverError !== err && isSqliteBusy(e.driverError);
}

/** The database stayed locked by another connection for the whole busy timeout: try again later (HTTP 503). */
export class DatabaseBusyError extends Error {
  constructor(
    readonly waitedMs: number,
    readonly lastCode: string,
  ) {
    super(`database busy: another connection held the lock for ${waitedMs} ms (${lastCode}); try again`);
    this.name = 'DatabaseBusyError';
  }
}

const IMMEDIATE = new WeakSet<object>();

/**
 * Makes every transaction TypeORM starts on this SQLite data source `BEGIN IMMEDIATE` (see above). better-sqlite3
 * has one connection and one query runner per data source; its `startTransaction` issues exactly
 * `BEGIN TRANSACTION` at depth 0 (nested ones are SAVEPOINTs, untouched). No-op for PostgreSQL.
 */
export function beginImmediateTransactions(dataSource: DataSource): void {
  if (dataSource.options.type !== 'better-sqlite3') return;
  const runner = dataSource.createQueryRunner() as unknown as {
    query(sql: string, parameters?: unknown[], structured?: boolean): Promise<unknown>;
  };
  if (IMMEDIATE.has(runner)) return;
  IMMEDIATE.add(runner);
  const query = runner.query.bind(runner);
  runner.query = (sql, parameters, structured) =>
    query(sql === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : sql, parameters, structured);
}

/** The busy timeout the data source was opened with (better-sqlite3 `timeout`), 0 for other engines. */
export function busyBudgetMs(dataSource: DataSource): number {
  if (dataSource.options.type !== 'better-sqlite3') return 0;
  const timeout = (dataSource.options as { timeout?: unknown }).timeout;
  return typeof timeout === 'number' && timeout > 0 ? timeout : 0;
}

/**
 * Runs `attempt` again while it fails with SQLITE_BUSY, pausing (without blocking the event loop) 5, 10, 20 … up to
 * 160 ms between tries, until `budgetMs` has passed since the first try; then DatabaseBusyError. Any other error is
 * passed on at once. `attempt` must be safe to repeat: a busy error means its transaction was rolled back.
 */
export async function retryWhileBusy<T>(
  attempt: () => Promise<T>,
  budgetMs: number,
  now: () => number = Date.now,
  pause: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  const started = now();
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isSqliteBusy(err)) throw err;
      const waited = now() - started;
      const code = String((err as { code?: unknown }).code ?? 'SQLITE_BUSY');
      if (waited >= budgetMs) throw new DatabaseBusyError(waited, code);
      await pause(Math.min(budgetMs - waited, 5 * 2 ** Math.min(tries, 5)));
    }
  }
}
