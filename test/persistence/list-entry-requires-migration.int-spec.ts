import { MIGRATIONS, openDataSource } from '@spamfilter/persistence';
import type { DatabaseConfig } from '@spamfilter/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createPostgresTestDatabase, sqliteMemoryConfig, type TestDatabase } from './test-databases';

/*
 * Migration 1764300000000 on a database the previous schema filled: allows that review approvals made for senders in,
 * above or below a hosted domain (the forgeable ones) get requires = 'aligned_auth'; every other entry keeps null.
 */
const before = MIGRATIONS.slice(
  0,
  MIGRATIONS.findIndex((m) => m.name === 'ListEntryRequires1764300000000'),
);

/** [id, kind, match_type, value, made by an approval] → the `requires` expected after the migration. */
const ENTRIES: [string, 'allow' | 'block', string, string, boolean, string | null][] = [
  ['e-alice', 'allow', 'address', 'alice@example.net', true, 'aligned_auth'],
  ['e-subdomain', 'allow', 'domain', 'mail.example.net', true, 'aligned_auth'],
  ['e-parent', 'allow', 'domain', 'net', true, 'aligned_auth'],
  ['e-outsider', 'allow', 'address', 'news@shop.example', true, null],
  ['e-lookalike', 'allow', 'address', 'eve@notexample.net', true, null],
  ['e-ip', 'allow', 'ip', '192.0.2.1', true, null],
  ['e-by-hand', 'allow', 'address', 'bob@example.net', false, null],
  ['e-block', 'block', 'address', 'carol@example.net', true, null],
];

async function seedOldSchema(db: DataSource): Promise<void> {
  const pg = db.options.type === 'postgres';
  const p = (i: number): string => (pg ? `$${i}` : '?');
  const at = pg ? new Date('2026-11-01T00:00:00Z') : '2026-11-01 00:00:00.000';
  await db.query(`INSERT INTO tenant (id, name, created_at) VALUES ('t1', 'Hosting', ${p(1)})`, [at]);
  await db.query(
    `INSERT INTO domain (id, tenant_id, name, created_at) VALUES ('d1', 't1', 'example.net', ${p(1)})`,
    [at],
  );
  for (const [id, kind, match, value, approved] of ENTRIES) {
    await db.query(
      `INSERT INTO list_entry (id, scope, scope_id, kind, match_type, value, direction, reason, created_by, created_at, expires_at)
       VALUES (${p(1)}, 'global', 'global', ${p(2)}, ${p(3)}, ${p(4)}, 'inbound', NULL, 'op', ${p(5)}, NULL)`,
      [id, kind, match, value, at],
    );
    if (approved)
      await db.query(
        `INSERT INTO delist_request (id, reference, requester_email, message, status, created_at, allow_entry_id)
         VALUES (${p(1)}, '01JC0000000000000000000000', 'x@sender.example', 'please', 'approved', ${p(2)}, ${p(3)})`,
        [`r-${id}`, at, id],
      );
  }
}

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('list_entry.requires migration on %s', (_name, postgres) => {
  let tdb: TestDatabase | null = null;
  let dir: string | null = null;
  let config: DatabaseConfig;
  beforeAll(async () => {
    if (postgres) {
      tdb = await createPostgresTestDatabase();
      config = tdb.config;
    } else {
      dir = mkdtempSync(join(tmpdir(), 'sf-mig-'));
      config = { ...sqliteMemoryConfig(), sqlitePath: join(dir, 'db.sqlite') };
    }
  });
  afterAll(async () => {
    await tdb?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("marks approvals' allows of hosted-domain senders aligned_auth, leaves the rest, and reverts", async () => {
    const old = await openDataSource(config, { migrations: before });
    try {
      await seedOldSchema(old);
    } finally {
      await old.destroy();
    }
    const db = await openDataSource(config);
    try {
      const rows = (await db.query('SELECT id, requires FROM list_entry ORDER BY id')) as {
        id: string;
        requires: string | null;
      }[];
      expect(Object.fromEntries(rows.map((r) => [r.id, r.requires]))).toEqual(
        Object.fromEntries(ENTRIES.map((e) => [e[0], e[5]])),
      );
      for (let n = MIGRATIONS.length - before.length; n > 0; n--) await db.undoLastMigration();
      expect(
        Number(((await db.query('SELECT COUNT(*) AS n FROM list_entry')) as { n: number | string }[])[0]!.n),
      ).toBe(ENTRIES.length);
      const columns = postgres
        ? ((await db.query(
            `SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'list_entry'`,
          )) as { name: string }[])
        : ((await db.query(`PRAGMA table_info(list_entry)`)) as { name: string }[]);
      expect(columns.map((c) => c.name)).not.toContain('requires');
    } finally {
      await db.destroy();
    }
  });
});
