import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '@spamfilter/config';
import type { DataSource } from 'typeorm';
import { openDataSource } from './data-source.factory';
import { TenantEntity } from './entities/tenant.entity';
import { UserRepository } from './repositories/user.repository';
import { runInTransaction } from './transactions';

describe('SQLite: two data sources of one process on the same file (the embedded launcher)', () => {
  let dir: string;
  let a: DataSource;
  let b: DataSource;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-tx-'));
    const config: DatabaseConfig = {
      type: 'sqlite',
      sqlitePath: join(dir, 'shared.sqlite'),
      url: 'postgres://unused@127.0.0.1:5432/unused',
      migrationsRun: true,
      poolSize: 1,
      busyTimeoutMs: 1500,
      connectTimeoutMs: 1000,
    };
    a = await openDataSource(config);
    b = await openDataSource(config);
  });
  afterEach(async () => {
    await a.destroy();
    await b.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('take turns instead of freezing the event loop in the busy handler and failing with SQLITE_BUSY', async () => {
    // Gates, not sleeps: a's transaction holds the write lock until b's write has been issued and had its chance to
    // run. Without the shared queue b's write would spin in SQLite's busy handler on this thread while a cannot run,
    // and fail with SQLITE_BUSY after the busy timeout; with it, b waits its turn and lands after a's two rows.
    let aHolds = (): void => undefined;
    const holding = new Promise<void>((r) => (aHolds = r));
    let bIssued = (): void => undefined;
    const issued = new Promise<void>((r) => (bIssued = r));
    const slowTransaction = runInTransaction(a, async (m) => {
      await m.getRepository(TenantEntity).insert({ id: 't-a1', name: 'a1', createdAt: new Date() });
      aHolds();
      await issued; // e.g. awaiting another service between two writes
      await m.getRepository(TenantEntity).insert({ id: 't-a2', name: 'a2', createdAt: new Date() });
    });
    await holding;
    const fromB = new UserRepository(b).createTenant('from b'); // b writes while a's transaction holds the lock
    await new Promise((r) => setImmediate(r));
    bIssued();
    const [, tenant] = await Promise.all([slowTransaction, fromB]);
    expect(tenant.name).toBe('from b');
    const rows = (await b.query('SELECT name FROM tenant ORDER BY rowid')) as { name: string }[];
    expect(rows.map((r) => r.name)).toEqual(['a1', 'a2', 'from b']);
  });
});
