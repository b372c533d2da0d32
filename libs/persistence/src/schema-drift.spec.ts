import type { DatabaseConfig } from '@spamfilter/config';
import type { DataSource } from 'typeorm';
import { openDataSource } from './data-source.factory';
import { MIGRATIONS } from './schema';
import { schemaDrift, tableNames, undoAllMigrations } from './schema-drift';

const sqlite: DatabaseConfig = {
  type: 'sqlite',
  sqlitePath: ':memory:',
  url: 'postgres://unused@127.0.0.1:5432/unused',
  migrationsRun: true,
  poolSize: 1,
  busyTimeoutMs: 1000,
  connectTimeoutMs: 1000,
};

describe('schema drift (SQLite)', () => {
  let ds: DataSource;
  beforeEach(async () => {
    ds = await openDataSource(sqlite);
  });
  afterEach(async () => {
    await ds.destroy();
  });

  it('migrations create exactly what the entities describe (zero up-queries)', async () => {
    expect(await tableNames(ds)).toEqual(
      expect.arrayContaining(['scan_record', 'scan_recipient', 'outbox_event', 'tenant']),
    );
    const drift = await schemaDrift(ds);
    if (drift.length > 0) console.error(`schema drift on SQLite:\n${drift.join('\n')}`);
    expect(drift).toEqual([]);
  });

  it('every migration reverts, down to an empty schema', async () => {
    expect(await undoAllMigrations(ds)).toBe(MIGRATIONS.length);
    expect(await tableNames(ds)).toEqual([]);
  });
});
