import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbound audit trail cannot be edited: the database refuses UPDATE and DELETE on outbound_audit, so not even
 * a bug or a hand-written query in the application can rewrite who blocked or unblocked an account and why.
 * (Dropping the table in a down migration still works: triggers do not fire on DROP.)
 */
export class OutboundAuditAppendOnly1764000000000 implements MigrationInterface {
  name = 'OutboundAuditAppendOnly1764000000000';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type === 'postgres') {
      await q.query(`CREATE OR REPLACE FUNCTION outbound_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'outbound_audit is append-only';
END;
$$ LANGUAGE plpgsql`);
      await q.query(
        `CREATE TRIGGER trg_outbound_audit_no_update BEFORE UPDATE OR DELETE ON outbound_audit FOR EACH ROW EXECUTE FUNCTION outbound_audit_append_only()`,
      );
    } else {
      await q.query(
        `CREATE TRIGGER trg_outbound_audit_no_update BEFORE UPDATE ON outbound_audit BEGIN SELECT RAISE(ABORT, 'outbound_audit is append-only'); END`,
      );
      await q.query(
        `CREATE TRIGGER trg_outbound_audit_no_delete BEFORE DELETE ON outbound_audit BEGIN SELECT RAISE(ABORT, 'outbound_audit is append-only'); END`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type === 'postgres') {
      await q.query(`DROP TRIGGER IF EXISTS trg_outbound_audit_no_update ON outbound_audit`);
      await q.query(`DROP FUNCTION IF EXISTS outbound_audit_append_only()`);
    } else {
      await q.query(`DROP TRIGGER IF EXISTS trg_outbound_audit_no_update`);
      await q.query(`DROP TRIGGER IF EXISTS trg_outbound_audit_no_delete`);
    }
  }
}
