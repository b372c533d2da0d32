import { Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ADDRESS_LENGTH, TextColumn, TimestampColumn, VarcharColumn } from './column-types';

export type OutboundAuditAction = 'block' | 'unblock' | 'auto_block' | 'note';

/** Append-only history of what happened to an outbound account and who did it. */
@Entity('outbound_audit')
@Index('idx_outbound_audit_account_at', ['account', 'at'])
export class OutboundAuditEntity {
  @PrimaryGeneratedColumn('increment', { type: 'integer' }) id!: number;
  @VarcharColumn(ADDRESS_LENGTH) account!: string;
  @VarcharColumn(16) action!: OutboundAuditAction;
  @VarcharColumn(ADDRESS_LENGTH) actor!: string;
  @TextColumn({ nullable: true }) reason!: string | null;
  @TimestampColumn() at!: Date;
}
