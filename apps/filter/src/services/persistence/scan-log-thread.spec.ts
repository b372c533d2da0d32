import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadConfig, type DatabaseConfig } from '@spamfilter/config';
import { openDataSource, ScanRecordRepository } from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';
import { recipientVerdict, scanRecord } from '../../../../../test/persistence/scan-fixtures';
import { startThread } from '../../threads/thread-boot';
import { ScanLogThread } from './scan-log-thread';

/**
 * The message-log thread against a real SQLite file shared with this thread's own connection (as the filter and its
 * thread share it): batches land in the database, a database it cannot open fails the batch with the reason, and a
 * thread that dies fails what it had and is replaced for the next batch.
 */
describe('ScanLogThread', () => {
  let dir: string;
  let database: DatabaseConfig;
  let main: DataSource;
  const threads: ScanLogThread[] = [];
  const record = (i: number) =>
    scanRecord({
      createdAt: new Date(Date.UTC(2026, 10, 23, 8, 0, i)),
      recipients: [recipientVerdict(`u${i}@hosted.example`, {})],
    });
  const make = (
    config: DatabaseConfig,
    launch?: (data: Record<string, unknown>) => Worker,
  ): ScanLogThread => {
    const t = new ScanLogThread(config, launch);
    threads.push(t);
    return t;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scan-log-thread-'));
    database = {
      ...loadConfig({}).database,
      type: 'sqlite',
      sqlitePath: join(dir, 'log.sqlite'),
      migrationsRun: true,
    };
    main = await openDataSource(database);
  });

  afterAll(async () => {
    await Promise.all(threads.map((t) => t.close()));
    await main.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('inserts batches through its own connection; the filter reads them through its own', async () => {
    const thread = make(database);
    const batch = [record(1), record(2), record(3)];
    await thread.insertMany(batch);
    await thread.insertMany([record(4)]);
    const repo = new ScanRecordRepository(main);
    const found = await repo.findByReference({ kind: 'operator' }, batch[1]!.reference);
    expect(found?.record.createdAt).toEqual(batch[1]!.createdAt);
    expect(found?.record.symbols).toEqual(batch[1]!.symbols);
    expect(found?.recipients.map((r) => r.recipient)).toEqual(['u2@hosted.example']);
    expect(thread.ready).toBe(true);
    expect(thread.starts).toBe(1);
  }, 30_000);

  it('can share no in-memory SQLite database, so the filter inserts inline there', () => {
    expect(ScanLogThread.supports({ ...database, sqlitePath: ':memory:' })).toBe(false);
    expect(ScanLogThread.supports(database)).toBe(true);
  });

  it('fails a batch with the reason when the database cannot be opened, and keeps trying', async () => {
    // A directory where the database file should be: SQLite cannot open it.
    const thread = make({ ...database, sqlitePath: dir });
    await expect(thread.insertMany([record(5)])).rejects.toThrow(/cannot open sqlite .*SQLITE_CANTOPEN/);
    await expect(thread.insertMany([record(6)])).rejects.toThrow(/cannot open sqlite .*SQLITE_CANTOPEN/);
    expect(thread.starts).toBe(1);
  }, 30_000);

  it('fails what a dying thread had, then starts a new thread for the next batch', async () => {
    let launches = 0;
    const thread = make(database, (data) => {
      launches++;
      if (launches > 1) return startThread(join(__dirname, 'scan-log-thread.ts'), 'scan-log.worker', data);
      // The first thread says it is ready, then dies on its first batch.
      return new Worker(
        "const { parentPort } = require('node:worker_threads'); parentPort.postMessage({ kind: 'ready' }); parentPort.on('message', () => process.exit(3));",
        { eval: true },
      );
    });
    await expect(thread.insertMany([record(7)])).rejects.toThrow(
      'message-log thread exited (code 3) before answering',
    );
    const again = record(8);
    await thread.insertMany([again]);
    expect(thread.starts).toBe(2);
    expect(
      await new ScanRecordRepository(main).findByReference({ kind: 'operator' }, again.reference),
    ).not.toBeNull();
  }, 30_000);

  it('fails a batch that cannot be sent to the thread without stopping it', async () => {
    const thread = make(database);
    const broken = { ...record(9), training: { notCloneable: () => undefined } };
    await expect(thread.insertMany([broken])).rejects.toThrow(/could not be cloned/);
    await thread.insertMany([record(10)]);
    expect(thread.starts).toBe(1);
  }, 30_000);

  it('after close, refuses batches', async () => {
    const thread = make(database);
    await thread.close();
    await expect(thread.insertMany([record(11)])).rejects.toThrow('message-log thread closed');
    // A thread starts in well under a second, but on a loaded machine closing one can take seconds: a ceiling only.
  }, 30_000);
});
