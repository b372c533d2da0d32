import { parentPort, workerData } from 'node:worker_threads';
import type { DatabaseConfig } from '@spamfilter/config';
import { openDataSource, ScanRecordRepository, type NewScanRecord } from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';

/** Main thread → message-log thread: one batch to insert, or the end. */
export type ScanLogThreadRequest =
  | { readonly kind: 'insert'; readonly id: number; readonly records: readonly NewScanRecord[] }
  | { readonly kind: 'close' };

/** Message-log thread → main thread: it has started (and tried to connect), or a batch is in the database, or why not. */
export type ScanLogThreadReply =
  { readonly kind: 'ready' } | { readonly kind: 'done'; readonly id: number; readonly error: string | null };

/**
 * The message-log thread (scan-log-thread.ts starts it): inserts the batches it is sent through its own connection,
 * one at a time, in order. It never runs migrations (the filter's own connection does). A connection that cannot be
 * opened, or an insert that fails, answers the batch with the error; the next batch tries to connect again, so the
 * main thread's ScanLogWriter keeps its buffer, backoff and retries exactly as with an inline sink.
 */
function serve(): void {
  const port = parentPort;
  if (!port) return;
  const config = { ...(workerData as { database: DatabaseConfig }).database, migrationsRun: false };
  let dataSource: DataSource | null = null;

  const insert = async (records: readonly NewScanRecord[]): Promise<void> => {
    dataSource ??= await openDataSource(config);
    await new ScanRecordRepository(dataSource).insertMany(records);
  };
  // Connect ahead of the first batch; a database that is down is tried again by the first batch.
  let queue: Promise<void> = openDataSource(config).then(
    (ds) => {
      dataSource = ds;
    },
    () => undefined,
  );
  void queue.then(() => port.postMessage({ kind: 'ready' } satisfies ScanLogThreadReply));
  port.on('message', (m: ScanLogThreadRequest) => {
    if (m.kind === 'close') {
      queue = queue.then(async () => {
        if (dataSource?.isInitialized) await dataSource.destroy();
        port.close();
      });
      return;
    }
    queue = queue.then(() =>
      insert(m.records).then(
        () => port.postMessage({ kind: 'done', id: m.id, error: null } satisfies ScanLogThreadReply),
        (err: unknown) => {
          const error = err instanceof Error ? err.message : String(err);
          // A connection that broke is opened again for the next batch.
          if (dataSource && !dataSource.isInitialized) dataSource = null;
          port.postMessage({ kind: 'done', id: m.id, error } satisfies ScanLogThreadReply);
        },
      ),
    );
  });
}

serve();
