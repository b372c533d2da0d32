import { Table, TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from '../migrations/migration-types';

/**
 * The quarantine store (quarantine_message) and what happened to each recipient's copy (scan_recipient.disposition:
 * delivered, tagged, quarantined, held, refused, deferred; null on records written before it existed).
 */
export class Quarantine1764900000000 implements MigrationInterface {
  readonly name = 'Quarantine1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = migrationColumns(queryRunner);
    await queryRunner.addColumn(
      'scan_recipient',
      new TableColumn(c.varchar('disposition', 12, { nullable: true })),
    );
    await queryRunner.createTable(
      new Table({
        name: 'quarantine_message',
        columns: [
          c.id(),
          c.varchar('reference', 26),
          c.varchar('direction', 8),
          c.varchar('recipient', 320),
          c.ref('user_id', { nullable: true }),
          c.varchar('mail_from', 320),
          c.text('header_from', { nullable: true }),
          c.text('subject', { nullable: true }),
          c.integer('size'),
          c.text('reason'),
          c.text('raw_base64'),
          c.timestamp('created_at'),
          c.timestamp('expires_at'),
        ],
        indices: [
          { name: 'idx_quarantine_recipient_created', columnNames: ['recipient', 'created_at'] },
          { name: 'idx_quarantine_reference', columnNames: ['reference'] },
          { name: 'idx_quarantine_expires', columnNames: ['expires_at'] },
        ],
      }),
      false,
      true,
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('quarantine_message', false, true, true);
    await queryRunner.dropColumn('scan_recipient', 'disposition');
  }
}
