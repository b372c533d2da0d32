import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from './migration-types';

/**
 * list_entry.requires: what a message must show before an allow entry applies (null: nothing; 'aligned_auth': an
 * aligned DMARC or SPF pass for the matched sender, for allows of senders in a hosted domain — anyone can forge those).
 *
 * Entries made by review approvals before this (global or domain allows of the refused envelope sender, also for
 * outbound refusals of our own customers) are what let forged mail in: those whose sender is in, above or below a
 * hosted domain get 'aligned_auth' now, as an approval would give them today. Entries operators added by hand keep
 * null: they apply as before.
 */
export class ListEntryRequires1764300000000 implements MigrationInterface {
  readonly name = 'ListEntryRequires1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      'list_entry',
      new TableColumn(migrationColumns(q).varchar('requires', 16, { nullable: true })),
    );
    const pg = q.connection.options.type === 'postgres';
    const sender = `(CASE WHEN list_entry.match_type = 'address' THEN substr(list_entry.value, ${pg ? 'strpos' : 'instr'}(list_entry.value, '@') + 1) ELSE list_entry.value END)`;
    await q.query(
      `UPDATE list_entry SET requires = 'aligned_auth'
        WHERE kind = 'allow' AND match_type IN ('address', 'domain')
          AND id IN (SELECT allow_entry_id FROM delist_request WHERE allow_entry_id IS NOT NULL)
          AND EXISTS (SELECT 1 FROM domain d
                       WHERE d.name = ${sender} OR ${sender} LIKE '%.' || d.name OR d.name LIKE '%.' || ${sender})`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('list_entry', 'requires');
  }
}
