import { Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import {
  ADDRESS_LENGTH,
  JsonColumn,
  RefColumn,
  TextColumn,
  TimestampColumn,
  VarcharColumn,
} from './column-types';

/** What an audit row is about. */
export const AUDIT_SUBJECTS = [
  'list_entry',
  'policy',
  'aup_rule',
  'delist_request',
  'api_key',
  'outbound_account',
  'tenant',
  'domain',
  'user',
  'quarantine',
] as const;
export type AuditSubject = (typeof AUDIT_SUBJECTS)[number];

/**
 * One change by an operator, a domain admin or a user that affects others: who, when, what, before and after. The
 * table is append-only: the database refuses UPDATE and DELETE on it (ControlApi1765000000000, as outbound_audit).
 * `tenantId` is the tenant whose data changed (null for global changes), so a tenant's history is one index range.
 */
@Entity('audit_log')
@Index('idx_audit_log_at', ['at'])
@Index('idx_audit_log_tenant_at', ['tenantId', 'at'])
@Index('idx_audit_log_subject', ['subject', 'subjectId'])
export class AuditLogEntity {
  @PrimaryGeneratedColumn('increment', { type: 'integer' }) id!: number;
  @TimestampColumn() at!: Date;
  @VarcharColumn(ADDRESS_LENGTH) actor!: string;
  @VarcharColumn(16) actorRole!: string;
  @RefColumn({ nullable: true }) tenantId!: string | null;
  @VarcharColumn(24) subject!: AuditSubject;
  @VarcharColumn(ADDRESS_LENGTH) subjectId!: string;
  @VarcharColumn(32) action!: string;
  @JsonColumn({ nullable: true }) before!: unknown;
  @JsonColumn({ nullable: true }) after!: unknown;
  @TextColumn({ nullable: true }) reason!: string | null;
}
