import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from '../migrations/migration-types';

/**
 * Quarantine you can act on:
 * - quarantine_message gets the envelope recipients a release delivers to (held outbound mail goes to all of the
 *   message's recipients; null: the one `recipient`), the owner's domain (domain admins see their domain's), and who
 *   released it when;
 * - release_ticket: the one-time tickets by which the API vouches for a message it re-injects through Haraka (a
 *   release, a digest); the filter redeems each once, for the same body, sender and recipients;
 * - quarantine_digest: when each user was last sent their quarantine digest (one per day, across API instances).
 */
export class QuarantineRelease1765400000000 implements MigrationInterface {
  readonly name = 'QuarantineRelease1765400000000';

  async up(q: QueryRunner): Promise<void> {
    const c = migrationColumns(q);
    await q.addColumns('quarantine_message', [
      new TableColumn(c.json('rcpt_to', { nullable: true })),
      new TableColumn(c.ref('domain_id', { nullable: true })),
      new TableColumn(c.timestamp('released_at', { nullable: true })),
      new TableColumn(c.varchar('released_by', 320, { nullable: true })),
    ]);
    await q.createIndices('quarantine_message', [
      new TableIndex({ name: 'idx_quarantine_user_created', columnNames: ['user_id', 'created_at'] }),
      new TableIndex({ name: 'idx_quarantine_domain_created', columnNames: ['domain_id', 'created_at'] }),
    ]);
    await q.createTable(
      new Table({
        name: 'release_ticket',
        columns: [
          c.id(),
          c.varchar('token_hash', 64),
          c.varchar('purpose', 8),
          c.varchar('reference', 26),
          c.ref('quarantine_id', { nullable: true }),
          c.varchar('body_digest', 64),
          c.varchar('mail_from', 320),
          c.json('rcpt_to'),
          c.varchar('issued_by', 320),
          c.timestamp('created_at'),
          c.timestamp('expires_at'),
          c.timestamp('used_at', { nullable: true }),
        ],
        indices: [
          { name: 'uq_release_ticket_token', columnNames: ['token_hash'], isUnique: true },
          { name: 'idx_release_ticket_expires', columnNames: ['expires_at'] },
        ],
      }),
      false,
      true,
      true,
    );
    await q.createTable(
      new Table({ name: 'quarantine_digest', columns: [c.key('user_id', 36), c.timestamp('last_sent_at')] }),
      false,
      true,
      true,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('quarantine_digest', false, true, true);
    await q.dropTable('release_ticket', false, true, true);
    await q.dropIndex('quarantine_message', 'idx_quarantine_domain_created');
    await q.dropIndex('quarantine_message', 'idx_quarantine_user_created');
    for (const column of ['released_by', 'released_at', 'domain_id', 'rcpt_to'])
      await q.dropColumn('quarantine_message', column);
  }
}
