import {
  Table,
  type MigrationInterface,
  type QueryRunner,
  type TableForeignKeyOptions,
  type TableIndexOptions,
} from 'typeorm';
import { migrationColumns } from './migration-types';

const fk = (name: string, column: string, table: string, onDelete = 'CASCADE'): TableForeignKeyOptions => ({
  name,
  columnNames: [column],
  referencedTableName: table,
  referencedColumnNames: [table === 'scan_record' ? 'reference' : 'id'],
  onDelete,
  onUpdate: 'NO ACTION',
});
const index = (name: string, columnNames: string[], isUnique = false): TableIndexOptions => ({
  name,
  columnNames,
  isUnique,
});

/** The product's schema (everything except the learning core's Bayes tables, which come in their own migration). */
export class InitialSchema1763800000000 implements MigrationInterface {
  readonly name = 'InitialSchema1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = migrationColumns(queryRunner);
    const tables: Table[] = [
      new Table({
        name: 'tenant',
        columns: [c.id(), c.varchar('name', 255), c.timestamp('created_at')],
      }),
      new Table({
        name: 'domain',
        columns: [c.id(), c.ref('tenant_id'), c.varchar('name', 253), c.timestamp('created_at')],
        indices: [index('uq_domain_name', ['name'], true), index('idx_domain_tenant', ['tenant_id'])],
        foreignKeys: [fk('fk_domain_tenant', 'tenant_id', 'tenant')],
      }),
      new Table({
        name: 'user_account',
        columns: [
          c.id(),
          c.ref('tenant_id'),
          c.ref('domain_id'),
          c.varchar('address', 320),
          c.varchar('display_name', 255, { nullable: true }),
          c.timestamp('created_at'),
        ],
        indices: [
          index('uq_user_account_address', ['address'], true),
          index('idx_user_account_domain', ['domain_id']),
        ],
        foreignKeys: [
          fk('fk_user_account_tenant', 'tenant_id', 'tenant'),
          fk('fk_user_account_domain', 'domain_id', 'domain'),
        ],
      }),
      new Table({
        name: 'api_key',
        columns: [
          c.id(),
          c.varchar('key_prefix', 16),
          c.varchar('secret_hash', 64),
          c.varchar('role', 16),
          c.varchar('label', 255, { nullable: true }),
          c.ref('user_id', { nullable: true }),
          c.ref('tenant_id'),
          c.ref('domain_id', { nullable: true }),
          c.timestamp('created_at'),
          c.timestamp('last_used_at', { nullable: true }),
          c.timestamp('revoked_at', { nullable: true }),
        ],
        indices: [
          index('uq_api_key_prefix', ['key_prefix'], true),
          index('idx_api_key_tenant', ['tenant_id']),
        ],
        foreignKeys: [
          fk('fk_api_key_tenant', 'tenant_id', 'tenant'),
          fk('fk_api_key_user', 'user_id', 'user_account'),
          fk('fk_api_key_domain', 'domain_id', 'domain'),
        ],
      }),
      new Table({
        name: 'policy',
        columns: [
          c.key('scope', 8),
          c.key('scope_id', 36),
          c.json('document'),
          c.integer('version'),
          c.varchar('updated_by', 320),
          c.timestamp('updated_at'),
        ],
      }),
      new Table({
        name: 'list_entry',
        columns: [
          c.id(),
          c.varchar('scope', 8),
          c.varchar('scope_id', 36),
          c.varchar('kind', 8),
          c.varchar('match_type', 8),
          c.varchar('value', 320),
          c.varchar('direction', 8),
          c.text('reason', { nullable: true }),
          c.varchar('created_by', 320),
          c.timestamp('created_at'),
          c.timestamp('expires_at', { nullable: true }),
        ],
        indices: [
          index('idx_list_entry_scope_value', ['scope', 'value']),
          index('idx_list_entry_scope_owner', ['scope', 'scope_id']),
        ],
      }),
      new Table({
        name: 'scan_record',
        columns: [
          c.key('reference', 26),
          c.timestamp('created_at'),
          c.varchar('direction', 8),
          c.varchar('client_ip', 45),
          c.varchar('helo', 255),
          c.varchar('mail_from', 320),
          c.varchar('auth_user', 320, { nullable: true }),
          c.varchar('queue_id', 64, { nullable: true }),
          c.text('header_from', { nullable: true }),
          c.text('subject', { nullable: true }),
          c.varchar('message_fingerprint', 64),
          c.integer('size'),
          c.varchar('action', 8),
          c.float('score'),
          c.json('symbols'),
          c.json('smtp_reply'),
          c.json('headers'),
          c.json('training', { nullable: true }),
          c.integer('elapsed_ms'),
        ],
        indices: [
          index('idx_scan_record_created_at', ['created_at']),
          index('idx_scan_record_mail_from', ['mail_from']),
          index('idx_scan_record_client_ip', ['client_ip']),
          index('idx_scan_record_fingerprint', ['message_fingerprint']),
        ],
      }),
      new Table({
        name: 'scan_recipient',
        columns: [
          c.key('reference', 26),
          c.key('recipient', 320),
          c.ref('user_id', { nullable: true }),
          c.ref('domain_id', { nullable: true }),
          c.varchar('action', 8),
          c.float('score'),
          c.json('symbols'),
          c.text('reason'),
          c.timestamp('created_at'),
        ],
        indices: [
          index('idx_scan_recipient_user_created', ['user_id', 'created_at']),
          index('idx_scan_recipient_recipient', ['recipient']),
        ],
        foreignKeys: [fk('fk_scan_recipient_record', 'reference', 'scan_record')],
      }),
      new Table({
        name: 'feedback_mark',
        columns: [
          c.id(),
          c.varchar('event_id', 64),
          c.ref('user_id'),
          c.ref('tenant_id'),
          c.varchar('reference', 26, { nullable: true }),
          c.varchar('message_fingerprint', 64),
          c.varchar('label', 8, { nullable: true }),
          c.varchar('kind', 8),
          c.timestamp('created_at'),
          c.timestamp('undone_at', { nullable: true }),
        ],
        indices: [
          index('uq_feedback_mark_event', ['event_id'], true),
          index('idx_feedback_mark_user_message', ['user_id', 'message_fingerprint']),
        ],
      }),
      new Table({
        name: 'outbox_event',
        columns: [
          c.increment(),
          c.varchar('topic', 255),
          c.varchar('message_key', 255, { nullable: true }),
          c.json('payload'),
          c.timestamp('created_at'),
          c.timestamp('published_at', { nullable: true }),
          c.timestamp('locked_until', { nullable: true }),
          c.integer('attempts'),
          c.text('last_error', { nullable: true }),
        ],
        indices: [index('idx_outbox_event_published_at', ['published_at'])],
      }),
      new Table({
        name: 'processed_event',
        columns: [c.key('consumer', 128), c.key('event_id', 128), c.timestamp('processed_at')],
      }),
      new Table({
        name: 'reputation',
        columns: [c.key('key', 255), c.float('spam'), c.float('ham'), c.timestamp('updated_at')],
      }),
      new Table({
        name: 'outbound_account',
        columns: [
          c.key('address', 320),
          c.ref('tenant_id'),
          c.varchar('status', 8),
          c.timestamp('blocked_at', { nullable: true }),
          c.text('blocked_reason', { nullable: true }),
          c.json('standing', { nullable: true }),
          c.timestamp('updated_at'),
        ],
        indices: [index('idx_outbound_account_tenant', ['tenant_id'])],
      }),
      new Table({
        name: 'outbound_audit',
        columns: [
          c.increment(),
          c.varchar('account', 320),
          c.varchar('action', 16),
          c.varchar('actor', 320),
          c.text('reason', { nullable: true }),
          c.timestamp('at'),
        ],
        indices: [index('idx_outbound_audit_account_at', ['account', 'at'])],
      }),
      new Table({
        name: 'complaint',
        columns: [
          c.increment(),
          c.varchar('reference', 26, { nullable: true }),
          c.varchar('account', 320, { nullable: true }),
          c.varchar('feedback_type', 32),
          c.timestamp('received_at'),
          c.text('raw_excerpt'),
        ],
        indices: [index('idx_complaint_account', ['account'])],
      }),
      new Table({
        name: 'aup_rule',
        columns: [
          c.id(),
          c.varchar('name', 128),
          c.text('description'),
          c.json('rule'),
          c.boolean('enabled'),
          c.varchar('created_by', 320),
          c.timestamp('created_at'),
          c.timestamp('updated_at'),
          c.integer('version'),
        ],
        indices: [index('uq_aup_rule_name', ['name'], true)],
      }),
      new Table({
        name: 'delist_request',
        columns: [
          c.id(),
          c.varchar('reference', 26),
          c.varchar('requester_email', 320),
          c.text('message'),
          c.varchar('status', 10),
          c.timestamp('created_at'),
          c.varchar('reviewed_by', 320, { nullable: true }),
          c.timestamp('reviewed_at', { nullable: true }),
          c.text('decision_note', { nullable: true }),
          c.ref('allow_entry_id', { nullable: true }),
        ],
        indices: [index('idx_delist_request_status_created', ['status', 'created_at'])],
      }),
    ];
    for (const table of tables) await queryRunner.createTable(table, false, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Reverse order of creation, so foreign keys never point at a dropped table.
    for (const name of [
      'delist_request',
      'aup_rule',
      'complaint',
      'outbound_audit',
      'outbound_account',
      'reputation',
      'processed_event',
      'outbox_event',
      'feedback_mark',
      'scan_recipient',
      'scan_record',
      'list_entry',
      'policy',
      'api_key',
      'user_account',
      'domain',
      'tenant',
    ]) {
      await queryRunner.dropTable(name, false, true, true);
    }
  }
}
