import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from '../migrations/migration-types';

/** delivery_result: what the next hop said about each recipient of an outbound message (DeliveryResultEntity). */
export class DeliveryResult1765500000000 implements MigrationInterface {
  readonly name = 'DeliveryResult1765500000000';

  async up(q: QueryRunner): Promise<void> {
    const c = migrationColumns(q);
    await q.createTable(
      new Table({
        name: 'delivery_result',
        columns: [
          c.id(),
          c.varchar('reference', 26),
          c.varchar('queue_id', 64, { nullable: true }),
          c.varchar('recipient', 320),
          c.varchar('status', 10),
          { name: 'code', type: 'integer', isNullable: true },
          c.varchar('enhanced', 16, { nullable: true }),
          c.text('text'),
          c.timestamp('at'),
          c.timestamp('received_at'),
        ],
        indices: [
          { name: 'idx_delivery_result_reference', columnNames: ['reference', 'at'] },
          { name: 'idx_delivery_result_received', columnNames: ['received_at'] },
        ],
      }),
      false,
      true,
      true,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('delivery_result', false, true, true);
  }
}
