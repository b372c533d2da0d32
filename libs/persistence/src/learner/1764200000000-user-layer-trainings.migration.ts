import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from '../migrations/migration-types';

const INDEX = 'idx_bayes_trained_scope_time';

/**
 * Issue 6 throughput: a user scope is stored as its trainings (bayes_trained), no longer as token rows.
 * - bayes_trained gets `trained_at` (existing rows: the migration's time) and, on PostgreSQL, an `integer[]` token
 *   list instead of JSON text (SQLite keeps JSON text: it has no arrays);
 * - user scopes' bayes_token rows are deleted: the same counts are the sum over the scope's bayes_trained rows, which
 *   have always carried their tokens (only token expiry, never run by the product, could make the two differ);
 * - learner_training.tokens goes: undo reads the tokens from bayes_trained, the one copy kept.
 * `down` rebuilds the token rows of user scopes from their trainings and learner_training.tokens from them.
 */
export class UserLayerTrainings1764200000000 implements MigrationInterface {
  readonly name = 'UserLayerTrainings1764200000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.options.type === 'postgres';
    const c = migrationColumns(q);
    const now = new Date();
    // Copy out, recreate, copy back: the new table's constraint names are then exactly what TypeORM expects.
    await q.query(
      'CREATE TABLE bayes_trained_old AS SELECT scope, fingerprint, label, tokens FROM bayes_trained',
    );
    await q.dropTable('bayes_trained');
    await q.createTable(
      new Table({
        name: 'bayes_trained',
        columns: [
          c.key('scope', 64),
          c.key('fingerprint', 64),
          c.varchar('label', 8),
          pg ? { name: 'tokens', type: 'integer', isArray: true, isNullable: false } : c.json('tokens'),
          c.timestamp('trained_at'),
        ],
      }),
    );
    await q.createIndex(
      'bayes_trained',
      new TableIndex({ name: INDEX, columnNames: ['scope', 'trained_at'] }),
    );
    await q.query(
      pg
        ? `INSERT INTO bayes_trained (scope, fingerprint, label, tokens, trained_at)
           SELECT scope, fingerprint, label, ('{' || btrim(tokens, '[] ') || '}')::integer[], $1 FROM bayes_trained_old`
        : `INSERT INTO bayes_trained (scope, fingerprint, label, tokens, trained_at)
           SELECT scope, fingerprint, label, tokens, ? FROM bayes_trained_old`,
      [pg ? now : sqliteTime(now)],
    );
    await q.query('DROP TABLE bayes_trained_old');
    await q.query(`DELETE FROM bayes_token WHERE scope <> 'global'`);
    await q.dropColumn('learner_training', 'tokens');
  }

  async down(q: QueryRunner): Promise<void> {
    const pg = q.connection.options.type === 'postgres';
    const c = migrationColumns(q);
    const day = Math.floor(Date.now() / 86_400_000);
    // User scopes' token rows again, summed from their trainings.
    await q.query(
      pg
        ? `INSERT INTO bayes_token (scope, token, spam, ham, last_day)
           SELECT b.scope, u.t, COUNT(*) FILTER (WHERE b.label = 'spam'), COUNT(*) FILTER (WHERE b.label = 'ham'), ${day}
             FROM bayes_trained b CROSS JOIN LATERAL unnest(b.tokens) AS u (t)
            WHERE b.scope <> 'global' GROUP BY b.scope, u.t`
        : `INSERT INTO bayes_token (scope, token, spam, ham, last_day)
           SELECT b.scope, j.value, SUM(b.label = 'spam'), SUM(b.label = 'ham'), ${day}
             FROM bayes_trained b, json_each(b.tokens) j
            WHERE b.scope <> 'global' GROUP BY b.scope, j.value`,
    );
    await q.query(`ALTER TABLE learner_training ADD COLUMN tokens text NOT NULL DEFAULT '[]'`);
    if (pg) await q.query('ALTER TABLE learner_training ALTER COLUMN tokens DROP DEFAULT');
    await q.query(
      pg
        ? `UPDATE learner_training SET tokens = '[' || array_to_string(b.tokens, ',') || ']'
             FROM bayes_trained b WHERE b.scope = 'user:' || learner_training.user_id
              AND b.fingerprint = learner_training.message_fingerprint`
        : `UPDATE learner_training SET tokens = (SELECT b.tokens FROM bayes_trained b
             WHERE b.scope = 'user:' || learner_training.user_id AND b.fingerprint = learner_training.message_fingerprint)
           WHERE EXISTS (SELECT 1 FROM bayes_trained b
             WHERE b.scope = 'user:' || learner_training.user_id AND b.fingerprint = learner_training.message_fingerprint)`,
    );
    await q.query(
      pg
        ? `CREATE TABLE bayes_trained_new AS SELECT scope, fingerprint, label, '[' || array_to_string(tokens, ',') || ']' AS tokens FROM bayes_trained`
        : 'CREATE TABLE bayes_trained_new AS SELECT scope, fingerprint, label, tokens FROM bayes_trained',
    );
    await q.dropTable('bayes_trained');
    await q.createTable(
      new Table({
        name: 'bayes_trained',
        columns: [c.key('scope', 64), c.key('fingerprint', 64), c.varchar('label', 8), c.json('tokens')],
      }),
    );
    await q.query(
      'INSERT INTO bayes_trained (scope, fingerprint, label, tokens) SELECT scope, fingerprint, label, tokens FROM bayes_trained_new',
    );
    await q.query('DROP TABLE bayes_trained_new');
  }
}

/** A Date as TypeORM's SQLite driver stores `datetime` columns (UTC). */
function sqliteTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}
