import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from '../migrations/migration-types';

/** console_session: the web console's server-side sessions (ConsoleSessionEntity). */
export class ConsoleSession1765200000000 implements MigrationInterface {
  readonly name = 'ConsoleSession1765200000000';

  async up(q: QueryRunner): Promise<void> {
    const c = migrationColumns(q);
    await q.createTable(
      new Table({
        name: 'console_session',
        columns: [
          c.key('token_hash', 64),
          c.varchar('via', 8),
          c.ref('key_id', { nullable: true }),
          c.ref('user_id', { nullable: true }),
          c.timestamp('created_at'),
          c.timestamp('last_seen_at'),
          c.timestamp('expires_at'),
        ],
        indices: [
          { name: 'idx_console_session_expires', columnNames: ['expires_at'] },
          { name: 'idx_console_session_key', columnNames: ['key_id'] },
        ],
      }),
      false,
      true,
      true,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('console_session', false, true, true);
  }
}
