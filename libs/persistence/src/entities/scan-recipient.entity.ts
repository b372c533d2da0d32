import type { Action, Disposition, ScoredSymbol } from '@spamfilter/domain';
import { Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import {
  ADDRESS_LENGTH,
  FloatColumn,
  JsonColumn,
  RefColumn,
  TextColumn,
  TimestampColumn,
  VarcharColumn,
} from './column-types';
import { ScanRecordEntity } from './scan-record.entity';

/**
 * The verdict for one recipient of a scanned message. `createdAt` repeats the record's time so a user's recent
 * verdicts are one index range scan on (user_id, created_at).
 */
@Entity('scan_recipient')
@Index('idx_scan_recipient_user_created', ['userId', 'createdAt'])
@Index('idx_scan_recipient_recipient', ['recipient'])
@Index('idx_scan_recipient_domain_created', ['domainId', 'createdAt'])
export class ScanRecipientEntity {
  @PrimaryColumn({ type: 'varchar', length: 26 }) reference!: string;
  @PrimaryColumn({ type: 'varchar', length: ADDRESS_LENGTH }) recipient!: string;
  @RefColumn({ nullable: true }) userId!: string | null;
  @RefColumn({ nullable: true }) domainId!: string | null;
  @VarcharColumn(8) action!: Action;
  @FloatColumn() score!: number;
  @JsonColumn() symbols!: readonly ScoredSymbol[];
  @TextColumn() reason!: string;
  /** What was done with this recipient's copy; null on records written before dispositions were recorded. */
  @VarcharColumn(12, { nullable: true }) disposition!: Disposition | null;
  @TimestampColumn() createdAt!: Date;

  @ManyToOne(() => ScanRecordEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'reference', foreignKeyConstraintName: 'fk_scan_recipient_record' })
  record?: ScanRecordEntity;
}
