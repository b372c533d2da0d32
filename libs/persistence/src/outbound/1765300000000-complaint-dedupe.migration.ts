import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from '../migrations/migration-types';

/**
 * complaint.dedupe_key: one complaint per reported message, feedback type and source (ComplaintsService). A feedback
 * loop that sends its report twice, or an operator who posts it again, must not count twice against the account.
 * Rows written before have null (a unique index allows any number of nulls on both engines).
 */
export class ComplaintDedupe1765300000000 implements MigrationInterface {
  readonly name = 'ComplaintDedupe1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      'complaint',
      new TableColumn(migrationColumns(q).varchar('dedupe_key', 64, { nullable: true })),
    );
    await q.createIndex(
      'complaint',
      new TableIndex({ name: 'uq_complaint_dedupe', columnNames: ['dedupe_key'], isUnique: true }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('complaint', 'uq_complaint_dedupe');
    await q.dropColumn('complaint', 'dedupe_key');
  }
}
