import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from '../migrations/migration-types';

/** The learner's own tables (apps/api consumers): what each mark trained, and the version of each Bayes scope. */
export class Learner1763900000000 implements MigrationInterface {
  readonly name = 'Learner1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = migrationColumns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'learner_training',
        columns: [
          { ...c.id('event_id') },
          c.ref('user_id'),
          c.varchar('message_fingerprint', 64),
          c.varchar('label', 8),
          c.varchar('sender', 320, { nullable: true }),
          c.boolean('list_mail'),
          c.boolean('trained_global'),
          c.text('note', { nullable: true }),
          c.json('tokens'),
          c.timestamp('created_at'),
          c.timestamp('undone_at', { nullable: true }),
        ],
        indices: [
          { name: 'idx_learner_training_user_message', columnNames: ['user_id', 'message_fingerprint'] },
          { name: 'idx_learner_training_user_sender', columnNames: ['user_id', 'sender'] },
          { name: 'idx_learner_training_global', columnNames: ['trained_global', 'user_id', 'created_at'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({ name: 'learner_scope_version', columns: [c.key('scope', 64), c.integer('version')] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('learner_scope_version');
    await queryRunner.dropTable('learner_training');
  }
}
