import { Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ADDRESS_LENGTH, TextColumn, TimestampColumn, VarcharColumn } from './column-types';

/** A feedback-loop complaint (ARF, RFC 5965) about outbound mail, tied to a scan when it carries our reference. */
@Entity('complaint')
@Index('idx_complaint_account', ['account'])
@Index('uq_complaint_dedupe', ['dedupeKey'], { unique: true })
export class ComplaintEntity {
  @PrimaryGeneratedColumn('increment', { type: 'integer' }) id!: number;
  @VarcharColumn(26, { nullable: true }) reference!: string | null;
  @VarcharColumn(ADDRESS_LENGTH, { nullable: true }) account!: string | null;
  @VarcharColumn(32) feedbackType!: string;
  @TimestampColumn() receivedAt!: Date;
  @TextColumn() rawExcerpt!: string;
  /**
   * SHA-256 of (reported message, feedback type, source): the same report counts once (ComplaintsService). Null on
   * complaints stored before it existed.
   */
  @VarcharColumn(64, { nullable: true }) dedupeKey!: string | null;
}
