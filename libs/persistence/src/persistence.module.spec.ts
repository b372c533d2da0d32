import { Test } from '@nestjs/testing';
import type { DatabaseConfig } from '@spamfilter/config';
import { DataSource } from 'typeorm';
import { DatabaseHealth } from './database-health';
import { PersistenceModule } from './persistence.module';
import { OutboxRepository } from './repositories/outbox.repository';
import { ScanRecordRepository } from './repositories/scan-record.repository';
import { Transactions } from './transactions';

const sqlite: DatabaseConfig = {
  type: 'sqlite',
  sqlitePath: ':memory:',
  url: 'postgres://unused@127.0.0.1:5432/unused',
  migrationsRun: true,
  poolSize: 1,
  busyTimeoutMs: 1000,
  connectTimeoutMs: 1000,
};

describe('PersistenceModule.forRoot', () => {
  it('opens and migrates the database, provides the repositories, and closes it on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PersistenceModule.forRoot(sqlite)],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    const dataSource = app.get(DataSource);
    expect(dataSource.isInitialized).toBe(true);
    expect(await dataSource.showMigrations()).toBe(false); // nothing pending
    expect(await app.get(DatabaseHealth).health()).toMatchObject({ status: 'up', detail: 'better-sqlite3' });
    const outbox = app.get(OutboxRepository);
    await app.get(Transactions).run((m) => outbox.add(m, { topic: 't', key: null, payload: {} }));
    expect(await outbox.pendingCount()).toBe(1);
    expect(app.get(ScanRecordRepository)).toBeInstanceOf(ScanRecordRepository);
    await app.close();
    expect(dataSource.isInitialized).toBe(false);
  });

  it('fails the boot with the one-line start-up error', async () => {
    const pg: DatabaseConfig = {
      ...sqlite,
      type: 'postgres',
      url: 'postgres://spamfilter:pw-123@127.0.0.1:1/spamfilter',
    };
    await expect(
      Test.createTestingModule({ imports: [PersistenceModule.forRoot(pg)] }).compile(),
    ).rejects.toThrow('database: cannot connect to postgres at 127.0.0.1:1 (ECONNREFUSED)');
  });
});
