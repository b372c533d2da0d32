import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '@spamfilter/config';
import type { DataSource } from 'typeorm';
import { openDataSource } from './data-source.factory';
import { TenantEntity } from './entities/tenant.entity';
import { startLockHolder } from './sqlite-lock-holder';
import { DatabaseBusyError, isSqliteBusy, retryWhileBusy } from './sqlite-locking';
import { runInTransaction, runWrite } from './transactions';

const busy = (code = 'SQLITE_BUSY') => Object.assign(new Error('database is locked'), { code });

describe('retryWhileBusy', () => {
  it('tries again while the database is busy and returns the first success', async () => {
    let calls = 0;
    const pauses: number[] = [];
    const result = await retryWhileBusy(
      () =>
        ++calls < 4
          ? Promise.reject(busy(calls === 2 ? 'SQLITE_BUSY_SNAPSHOT' : 'SQLITE_BUSY'))
          : Promise.resolve('ok'),
      1000,
      () => 0,
      (ms) => {
        pauses.push(ms);
        return Promise.resolve();
      },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(pauses).toEqual([5, 10, 20]);
  });

  it('passes any other error on at once', async () => {
    let calls = 0;
    await expect(
      retryWhileBusy(() => (calls++, Promise.reject(new Error('UNIQUE constraint failed'))), 1000),
    ).rejects.toThrow('UNIQUE');
    expect(calls).toBe(1);
  });

  it('gives up with DatabaseBusyError once the budget has passed', async () => {
    let t = 0;
    const err = await retryWhileBusy(
      () => Promise.reject(busy()),
      100,
      () => t,
      (ms) => {
        t += ms;
        return Promise.resolve();
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseBusyError);
    expect((err as DatabaseBusyError).waitedMs).toBe(100);
  });

  it('recognises busy errors wrapped by TypeORM (driverError)', () => {
    expect(isSqliteBusy({ driverError: busy('SQLITE_BUSY_SNAPSHOT') })).toBe(true);
    expect(isSqliteBusy(new Error('x'))).toBe(false);
  });
});

describe('SQLite writes while another connection keeps taking the write lock (the message-log thread)', () => {
  let dir: string;
  let ds: DataSource;
  const config = (busyTimeoutMs: number): DatabaseConfig => ({
    type: 'sqlite',
    sqlitePath: join(dir, 'db.sqlite'),
    url: 'postgres://unused@127.0.0.1:5432/unused',
    migrationsRun: true,
    poolSize: 1,
    busyTimeoutMs,
    connectTimeoutMs: 1000,
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sf-busy-'));
  });
  afterEach(async () => {
    if (ds?.isInitialized) await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  // Before BEGIN IMMEDIATE this failed 300 of 1,000 at once (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT): a transaction that
  // reads first and then writes cannot wait in the busy handler.
  it('1,000 read-then-write transactions, 16 at a time: none fails, and the other connection gets its turns', async () => {
    ds = await openDataSource(config(5000));
    const holder = startLockHolder(config(5000).sqlitePath, { holdMs: 8, pauseMs: 5 });
    const failures: string[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < 1000) {
        const k = next++;
        await new Promise((r) => setTimeout(r, 20)); // the rest of an HTTP request
        await runInTransaction(ds, async (m) => {
          await m.getRepository(TenantEntity).countBy({ name: 'mark' });
          await new Promise((r) => setImmediate(r));
          await m
            .getRepository(TenantEntity)
            .insert({ id: `mark-${k}`, name: 'mark', createdAt: new Date() });
        }).catch((err: unknown) => failures.push(String((err as { code?: string }).code ?? err)));
      }
    };
    await Promise.all(Array.from({ length: 16 }, lane));
    const held = await holder.stop();
    expect(failures).toEqual([]);
    expect(await ds.getRepository(TenantEntity).countBy({ name: 'mark' })).toBe(1000);
    expect(held).toBeGreaterThan(0);
  }, 120_000);

  it('a lock held past the busy timeout ends in DatabaseBusyError after waiting, not at once', async () => {
    ds = await openDataSource(config(300));
    const holder = startLockHolder(config(300).sqlitePath, { holdMs: 2000, pauseMs: 0 });
    await holder.holding;
    const started = Date.now();
    const err = await runWrite(ds, (m) =>
      m.getRepository(TenantEntity).insert({ id: 'late', name: 'late', createdAt: new Date() }),
    ).catch((e: unknown) => e);
    const waited = Date.now() - started;
    await holder.stop();
    expect(err).toBeInstanceOf(DatabaseBusyError);
    expect(waited).toBeGreaterThanOrEqual(300);
  }, 30_000);
});
