import type { FeedbackLabel } from '@spamfilter/domain';
import { Entity, Index } from 'typeorm';
import { IdColumn, RefColumn, TimestampColumn, VarcharColumn } from './column-types';

/** A user's mark as the API accepted it (the event itself travels through the outbox). */
@Entity('feedback_mark')
@Index('uq_feedback_mark_event', ['eventId'], { unique: true })
@Index('idx_feedback_mark_user_message', ['userId', 'messageFingerprint'])
export class FeedbackMarkEntity {
  @IdColumn() id!: string;
  @VarcharColumn(64) eventId!: string;
  @RefColumn() userId!: string;
  @RefColumn() tenantId!: string;
  @VarcharColumn(26, { nullable: true }) reference!: string | null;
  @VarcharColumn(64) messageFingerprint!: string;
  @VarcharColumn(8, { nullable: true }) label!: FeedbackLabel | null;
  @VarcharColumn(8) kind!: 'learn' | 'undo';
  @TimestampColumn() createdAt!: Date;
  @TimestampColumn({ nullable: true }) undoneAt!: Date | null;
}
