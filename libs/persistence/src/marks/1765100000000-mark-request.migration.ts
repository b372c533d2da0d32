import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from '../migrations/migration-types';

/** mark_request: idempotency keys of mark requests (the mailbox hook's retries), with the mark each one made. */
export class MarkRequest1765100000000 implements MigrationInterface {
  readonly name = 'MarkRequest1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = migrationColumns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'mark_request',
        columns: [c.key('request_key', 64), c.ref('mark_id'), c.timestamp('created_at')],
        indices: [{ name: 'idx_mark_request_created', columnNames: ['created_at'] }],
      }),
      false,
      true,
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('mark_request', false, true, true);
  }
}
