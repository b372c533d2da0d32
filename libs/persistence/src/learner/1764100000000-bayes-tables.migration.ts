import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from '../migrations/migration-types';

/** The Bayes model's tables (see bayes-tables.entity.ts). */
export class BayesTables1764100000000 implements MigrationInterface {
  readonly name = 'BayesTables1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = migrationColumns(queryRunner);
    await queryRunner.createTable(
      new Table({ name: 'bayes_scope', columns: [c.key('scope', 64), c.integer('spam'), c.integer('ham')] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'bayes_token',
        columns: [
          c.key('scope', 64),
          { name: 'token', type: 'integer', isPrimary: true },
          c.integer('spam'),
          c.integer('ham'),
          c.integer('last_day'),
        ],
        indices: [{ name: 'idx_bayes_token_prune', columnNames: ['scope', 'last_day'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'bayes_trained',
        columns: [c.key('scope', 64), c.key('fingerprint', 64), c.varchar('label', 8), c.json('tokens')],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('bayes_trained');
    await queryRunner.dropTable('bayes_token');
    await queryRunner.dropTable('bayes_scope');
  }
}
