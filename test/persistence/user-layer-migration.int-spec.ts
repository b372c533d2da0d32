import { MIGRATIONS, openDataSource, TypeOrmBayesStore } from '@spamfilter/persistence';
import type { DatabaseConfig } from '@spamfilter/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createPostgresTestDatabase, sqliteMemoryConfig, type TestDatabase } from './test-databases';

/*
 * Migration 1764200000000 on a database the previous schema filled: a user scope's token rows go (its counts are
 * then summed from its trainings, which must give the same view), token lists become integer[] on PostgreSQL,
 * learner_training.tokens goes; `down` brings the token rows and learner_training.tokens back.
 */
const before = MIGRATIONS.slice(
  0,
  MIGRATIONS.findIndex((m) => m.name === 'UserLayerTrainings1764200000000'),
);

async function seedOldSchema(db: DataSource): Promise<void> {
  const pg = db.options.type === 'postgres';
  const p = (i: number): string => (pg ? `$${i}` : '?');
  const trained: [string, string, string, string][] = [
    ['user:u1', 'm1', 'spam', '[-2,1,3]'],
    ['user:u1', 'm2', 'ham', '[3,4]'],
    ['global', 'g1', 'ham', '[3,4]'],
  ];
  for (const row of trained)
    await db.query(
      `INSERT INTO bayes_trained (scope, fingerprint, label, tokens) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})`,
      row,
    );
  for (const [scope, token, spam, ham] of [
    ['user:u1', -2, 1, 0],
    ['user:u1', 1, 1, 0],
    ['user:u1', 3, 1, 1],
    ['user:u1', 4, 0, 1],
    ['global', 3, 0, 1],
    ['global', 4, 0, 1],
  ] as const)
    await db.query(
      `INSERT INTO bayes_token (scope, token, spam, ham, last_day) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, 20000)`,
      [scope, token, spam, ham],
    );
  for (const [scope, spam, ham] of [
    ['user:u1', 1, 1],
    ['global', 0, 1],
  ] as const)
    await db.query(`INSERT INTO bayes_scope (scope, spam, ham) VALUES (${p(1)}, ${p(2)}, ${p(3)})`, [
      scope,
      spam,
      ham,
    ]);
  await db.query(
    `INSERT INTO learner_training (event_id, user_id, message_fingerprint, label, sender, list_mail, trained_global,
       note, tokens, created_at, undone_at)
     VALUES (${p(1)}, 'u1', 'm1', 'spam', NULL, ${p(2)}, ${p(3)}, NULL, '[-2,1,3]', ${p(4)}, NULL)`,
    [
      '00000000-0000-4000-8000-000000000001',
      pg ? false : 0,
      pg ? false : 0,
      pg ? new Date() : new Date().toISOString(),
    ],
  );
}

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('user layers as trainings: migration on %s', (_name, postgres) => {
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

  it('keeps every count: user scopes summed from their trainings, and down restores the token rows', async () => {
    const old = await openDataSource(config, { migrations: before });
    const probe = Uint32Array.from([1, 0xfffffffe, 3, 4, 5]);
    const view = async (db: DataSource) =>
      JSON.stringify(await TypeOrmBayesStore.of(db).lookup(['global', 'user:u1'], probe), (_, v: unknown) =>
        v instanceof Uint32Array ? Array.from(v) : v,
      );
    try {
      await seedOldSchema(old);
    } finally {
      await old.destroy();
    }
    const db = await openDataSource(config);
    try {
      expect(JSON.parse(await view(db))).toEqual([
        { totals: { spam: 0, ham: 1 }, spam: [0, 0, 0, 0, 0], ham: [0, 0, 1, 1, 0] },
        { totals: { spam: 1, ham: 1 }, spam: [1, 1, 1, 0, 0], ham: [0, 0, 1, 1, 0] },
      ]);
      const scopes = (await db.query('SELECT DISTINCT scope FROM bayes_token')) as { scope: string }[];
      expect(scopes.map((r) => r.scope)).toEqual(['global']);
      const [m1] = (await db.query(
        "SELECT tokens, trained_at FROM bayes_trained WHERE scope = 'user:u1' AND fingerprint = 'm1'",
      )) as { tokens: unknown; trained_at: unknown }[];
      expect(postgres ? m1!.tokens : JSON.parse(m1!.tokens as string)).toEqual([-2, 1, 3]);
      expect(m1!.trained_at).not.toBeNull();
      const migrated = await view(db);

      // Back to before this migration (undoing the later ones first).
      for (let n = MIGRATIONS.length - before.length; n > 0; n--) await db.undoLastMigration();
      const tokens = (await db.query(
        "SELECT token, spam, ham FROM bayes_token WHERE scope = 'user:u1' ORDER BY token",
      )) as Record<string, number | string>[];
      expect(tokens.map((r) => [r.token, r.spam, r.ham].map(Number))).toEqual([
        [-2, 1, 0],
        [1, 1, 0],
        [3, 1, 1],
        [4, 0, 1],
      ]);
      const [training] = (await db.query('SELECT tokens FROM learner_training')) as { tokens: string }[];
      expect(JSON.parse(training!.tokens)).toEqual([-2, 1, 3]);
      // and forward again: the same view as after the first migration
      await db.runMigrations();
      expect(await view(db)).toBe(migrated);
    } finally {
      await db.destroy();
    }
  });
});
