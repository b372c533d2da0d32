import { Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, RefColumn, TextColumn, TimestampColumn, VarcharColumn } from './column-types';

export type OutboundAccountStatus = 'active' | 'blocked';

/** An authenticated sender (SMTP AUTH user) and its standing; blocked accounts get 550 5.7.1. */
@Entity('outbound_account')
@Index('idx_outbound_account_tenant', ['tenantId'])
export class OutboundAccountEntity {
  @PrimaryColumn({ type: 'varchar', length: 320 }) address!: string;
  @RefColumn() tenantId!: string;
  @VarcharColumn(8) status!: OutboundAccountStatus;
  @TimestampColumn({ nullable: true }) blockedAt!: Date | null;
  @TextColumn({ nullable: true }) blockedReason!: string | null;
  @JsonColumn({ nullable: true }) standing!: Readonly<Record<string, unknown>> | null;
  @TimestampColumn() updatedAt!: Date;
}
