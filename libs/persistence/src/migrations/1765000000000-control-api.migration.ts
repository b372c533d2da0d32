import { Table, TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { migrationColumns } from './migration-types';

/**
 * The control API's tables:
 * - audit_log: one append-only history of every change by an operator, a domain admin or a user that affects others
 *   (lists, policies, AUP rules, delisting decisions, keys, blocks, tenants, domains, users, releases). The database
 *   refuses UPDATE and DELETE on it, as on outbound_audit (OutboundAuditAppendOnly1764000000000), so no bug or
 *   hand-written query in the application can rewrite who changed what.
 * - domain.unknown_recipients: 'reject' refuses mail for addresses of the domain without a user here (550 5.1.1 at
 *   RCPT); null (every existing domain) accepts it as before.
 */
export class ControlApi1765000000000 implements MigrationInterface {
  readonly name = 'ControlApi1765000000000';

  async up(q: QueryRunner): Promise<void> {
    const c = migrationColumns(q);
    await q.addColumn('domain', new TableColumn(c.varchar('unknown_recipients', 8, { nullable: true })));
    await q.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          c.increment(),
          c.timestamp('at'),
          c.varchar('actor', 320),
          c.varchar('actor_role', 16),
          c.ref('tenant_id', { nullable: true }),
          c.varchar('subject', 24),
          c.varchar('subject_id', 320),
          c.varchar('action', 32),
          c.json('before', { nullable: true }),
          c.json('after', { nullable: true }),
          c.text('reason', { nullable: true }),
        ],
        indices: [
          { name: 'idx_audit_log_at', columnNames: ['at'] },
          { name: 'idx_audit_log_tenant_at', columnNames: ['tenant_id', 'at'] },
          { name: 'idx_audit_log_subject', columnNames: ['subject', 'subject_id'] },
        ],
      }),
      false,
      true,
      true,
    );
    if (q.connection.options.type === 'postgres') {
      await q.query(`CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql`);
      await q.query(
        `CREATE TRIGGER trg_audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
      );
    } else {
      await q.query(
        `CREATE TRIGGER trg_audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
      );
      await q.query(
        `CREATE TRIGGER trg_audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // Triggers do not fire on DROP TABLE; the table's triggers go with it.
    await q.dropTable('audit_log', false, true, true);
    if (q.connection.options.type === 'postgres')
      await q.query(`DROP FUNCTION IF EXISTS audit_log_append_only()`);
    await q.dropColumn('domain', 'unknown_recipients');
  }
}
