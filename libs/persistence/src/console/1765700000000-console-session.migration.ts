import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from '../migrations/migration-types';

/**
 * The web console's tables and indexes:
 * - console_session: its server-side sessions (ConsoleSessionEntity);
 * - scan_recipient (domain_id, created_at): a domain's mail newest first, the domain admin's first page. Without it the
 *   page sorted the whole recipient table: 73 ms p50 with 100,000 messages (bench/console), growing with the log.
 */
export class ConsoleSession1765700000000 implements MigrationInterface {
  readonly name = 'ConsoleSession1765700000000';

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
    await q.createIndex(
      'scan_recipient',
      new TableIndex({ name: 'idx_scan_recipient_domain_created', columnNames: ['domain_id', 'created_at'] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('scan_recipient', 'idx_scan_recipient_domain_created');
    await q.dropTable('console_session', false, true, true);
  }
}
