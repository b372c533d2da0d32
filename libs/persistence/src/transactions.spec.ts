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
    let maxLagMs = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxLagMs = Math.max(maxLagMs, now - last - 10);
      last = now;
    }, 10);
    try {
      const slowTransaction = runInTransaction(a, async (m) => {
        await m.getRepository(TenantEntity).insert({ id: 't-a1', name: 'a1', createdAt: new Date() });
        await new Promise((r) => setTimeout(r, 100)); // e.g. awaiting another service between two writes
        await m.getRepository(TenantEntity).insert({ id: 't-a2', name: 'a2', createdAt: new Date() });
      });
      await new Promise((r) => setTimeout(r, 20)); // b writes while a's transaction holds the write lock
      const [, tenant] = await Promise.all([slowTransaction, new UserRepository(b).createTenant('from b')]);
      expect(await b.getRepository(TenantEntity).count()).toBe(3);
      expect(tenant.name).toBe('from b');
      expect(maxLagMs).toBeLessThan(500);
    } finally {
      clearInterval(ticker);
    }
  });
});
