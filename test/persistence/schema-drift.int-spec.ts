import {
  MIGRATIONS,
  openDataSource,
  schemaDrift,
  tableNames,
  undoAllMigrations,
} from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';
import { createPostgresTestDatabase, type TestDatabase } from './test-databases';

describe('schema drift (PostgreSQL 15, fresh database per run)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createPostgresTestDatabase();
    ds = await openDataSource(db.config);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('migrations create exactly what the entities describe (zero up-queries)', async () => {
    expect(await tableNames(ds)).toEqual(
      expect.arrayContaining(['scan_record', 'scan_recipient', 'outbox_event', 'tenant']),
    );
    const drift = await schemaDrift(ds);
    if (drift.length > 0) console.error(`schema drift on PostgreSQL:\n${drift.join('\n')}`);
    expect(drift).toEqual([]);
  });

  it('timestamps round-trip as the same instant (UTC), whatever the session time zone', async () => {
    const at = new Date('2026-03-29T01:30:00.123Z'); // inside a European DST switch night
    await ds.query(`INSERT INTO tenant (id, name, created_at) VALUES ('t-tz', 'tz', $1)`, [at]);
    const [row] = (await ds.query(
      `SELECT created_at, to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.MS') AS text FROM tenant WHERE id = 't-tz'`,
    )) as {
      created_at: Date;
      text: string;
    }[];
    expect(row.text).toBe('2026-03-29 01:30:00.123');
    expect(row.created_at.toISOString()).toBe(at.toISOString());
    await ds.query(`DELETE FROM tenant WHERE id = 't-tz'`);
  });

  it('every migration reverts, down to an empty schema', async () => {
    expect(await undoAllMigrations(ds)).toBe(MIGRATIONS.length);
    expect(await tableNames(ds)).toEqual([]);
  });
});
