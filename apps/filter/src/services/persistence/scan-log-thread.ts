import type { Worker } from 'node:worker_threads';
import type { DatabaseConfig } from '@spamfilter/config';
import type { NewScanRecord } from '@spamfilter/persistence';
import { startThread } from '../../threads/thread-boot';
import type { ScanLogThreadReply, ScanLogThreadRequest } from './scan-log.worker';

/** Inserts message-log rows: through the filter's own connection, or through the message-log thread's. */
export interface ScanRecordInserter {
  insertMany(records: readonly NewScanRecord[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The message log's inserts on a thread of their own with its own database connection (SCAN_LOG_THREAD): turning scan
 * records into SQL values and, on SQLite, the insert itself (synchronous in better-sqlite3) were the largest single
 * cost on the main thread, about 0.15 ms per scan. The main thread still builds the records and resolves their
 * recipients' owners; the thread gets each batch as plain data.
 *
 * Failure is the inline sink's: a batch the thread cannot insert (database down, thread died) rejects, and the
 * ScanLogWriter keeps it, backs off and retries. A thread that died is started again for the next batch.
 */
export class ScanLogThread implements ScanRecordInserter {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private closed = false;
  private isReady = false;
  /** Threads started (1 + restarts after a death). */
  starts = 0;

  /**
   * Starts the thread at once, so it has compiled (under ts-node) and connected before the first batch. `launch` makes
   * a thread running scan-log.worker with the given workerData (tests pass one that dies).
   */
  constructor(
    private readonly database: DatabaseConfig,
    private readonly launch: (data: Record<string, unknown>) => Worker = (data) =>
      startThread(__filename, 'scan-log.worker', data),
  ) {
    this.start();
  }

  /** The current thread has started and tried to connect (benchmarks wait for it before measuring). */
  get ready(): boolean {
    return this.isReady;
  }

  /** SQLite in memory cannot be shared with a second connection: those filters insert inline. */
  static supports(database: DatabaseConfig): boolean {
    return !(database.type === 'sqlite' && database.sqlitePath === ':memory:');
  }

  insertMany(records: readonly NewScanRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('message-log thread closed'));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      try {
        worker.postMessage({ kind: 'insert', id, records } satisfies ScanLogThreadRequest);
      } catch (err) {
        // A record that cannot be cloned: this batch fails, the thread goes on.
        this.pending.delete(id);
        if (this.pending.size === 0) worker.unref();
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Lets the thread finish the batches it has, close its connection and exit. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ kind: 'close' } satisfies ScanLogThreadRequest);
    const timer = setTimeout(() => void worker.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private start(): Worker {
    const worker = this.launch({ database: this.database });
    this.starts++;
    worker.on('message', (m: ScanLogThreadReply) => {
      if (m.kind === 'ready') {
        this.isReady = true;
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.error === null) p.resolve();
      else p.reject(new Error(m.error));
    });
    // An 'error' event is followed by 'exit', which settles what was pending.
    worker.on('error', () => undefined);
    worker.on('exit', (code) => {
      if (this.worker === worker) {
        this.worker = null;
        this.isReady = false;
      }
      const pending = [...this.pending.values()];
      this.pending.clear();
      for (const p of pending)
        p.reject(new Error(`message-log thread exited (code ${code}) before answering`));
    });
    // Idle, the thread never keeps the process alive (after the listeners, which ref its port again).
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
