import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from '../migrations/migration-types';

/**
 * Snapshots of the global logistic component (logistic-snapshot.entity.ts) and their weights: libs/bayes'
 * encodeLogisticWeights bytes in a binary column, `bytea` on PostgreSQL and `blob` on SQLite (no entity: see the
 * entity's comment). A snapshot row and its weights are written in one transaction and deleted together.
 */
export class LogisticSnapshot1764250000000 implements MigrationInterface {
  readonly name = 'LogisticSnapshot1764250000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = migrationColumns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'logistic_snapshot',
        columns: [
          { name: 'version', type: 'integer', isPrimary: true },
          c.json('config'),
          c.integer('trained_count'),
          c.integer('spam'),
          c.integer('ham'),
          c.integer('global_version'),
          c.timestamp('created_at'),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'logistic_snapshot_weights',
        columns: [
          { name: 'version', type: 'integer', isPrimary: true },
          {
            name: 'weights',
            type: queryRunner.connection.options.type === 'postgres' ? 'bytea' : 'blob',
            isNullable: false,
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('logistic_snapshot_weights');
    await queryRunner.dropTable('logistic_snapshot');
  }
}
