import { Worker } from 'node:worker_threads';

/**
 * Test helper: another connection to an SQLite file, on a thread of its own (as the filter's message-log thread is),
 * that takes the write lock again and again — BEGIN IMMEDIATE, an insert into `tenant`, hold it `holdMs`, COMMIT,
 * pause `pauseMs` — until stopped. `stop()` resolves to how many transactions it committed.
 */
export interface LockHolder {
  /** Resolves once the holder has taken the write lock the first time. */
  readonly holding: Promise<void>;
  stop(): Promise<number>;
}

const SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { timeout: 60000 });
const insert = db.prepare('INSERT INTO tenant (id, name, created_at) VALUES (?, ?, ?)');
let stopping = false;
let committed = 0;
parentPort.on('message', () => { stopping = true; });
function round() {
  if (stopping) { db.close(); parentPort.postMessage({ stopped: committed }); parentPort.close(); return; }
  db.exec('BEGIN IMMEDIATE');
  if (committed === 0) parentPort.postMessage({ holding: true });
  insert.run('holder-' + workerData.tag + '-' + committed, 'lock holder', new Date().toISOString());
  const until = Date.now() + workerData.holdMs;
  while (Date.now() < until) {}
  db.exec('COMMIT');
  committed++;
  setTimeout(round, workerData.pauseMs);
}
round();
`;

let tags = 0;

export function startLockHolder(
  path: string,
  opts: { holdMs: number; pauseMs: number; onError?: (err: Error) => void },
): LockHolder {
  const worker = new Worker(SOURCE, {
    eval: true,
    workerData: {
      path,
      module: require.resolve('better-sqlite3'),
      holdMs: opts.holdMs,
      pauseMs: opts.pauseMs,
      tag: `${process.pid}-${++tags}`,
    },
  });
  worker.on('error', (err) => opts.onError?.(err));
  const holding = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: { holding?: boolean }) => {
      if (m.holding) resolve();
    });
    worker.once('error', reject);
  });
  return {
    holding,
    stop: () =>
      new Promise<number>((resolve, reject) => {
        worker.on('message', (m: { stopped?: number }) => {
          if (m.stopped !== undefined) resolve(m.stopped);
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}
