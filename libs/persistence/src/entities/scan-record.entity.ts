import type { Action, Direction, ScoredSymbol, SmtpReply } from '@spamfilter/domain';
import { Entity, Index, PrimaryColumn } from 'typeorm';
import {
  ADDRESS_LENGTH,
  FloatColumn,
  IntegerColumn,
  JsonColumn,
  TextColumn,
  TimestampColumn,
  VarcharColumn,
} from './column-types';

/**
 * What the learner needs to train on this message later without the message itself (the raw mail is not kept):
 * its Bayes tokens, and whatever else the learning core adds. Owned by the learning core; stored as JSON.
 */
export type ScanTraining = Readonly<Record<string, unknown>>;

/** The message log: one row per scanned message, keyed by its reference ID (ULID layout, 26 characters). */
@Entity('scan_record')
@Index('idx_scan_record_created_at', ['createdAt'])
@Index('idx_scan_record_mail_from', ['mailFrom'])
@Index('idx_scan_record_client_ip', ['clientIp'])
@Index('idx_scan_record_fingerprint', ['messageFingerprint'])
export class ScanRecordEntity {
  @PrimaryColumn({ type: 'varchar', length: 26 }) reference!: string;
  @TimestampColumn() createdAt!: Date;
  @VarcharColumn(8) direction!: Direction;
  @VarcharColumn(45) clientIp!: string;
  @VarcharColumn(255) helo!: string;
  @VarcharColumn(ADDRESS_LENGTH) mailFrom!: string;
  @VarcharColumn(ADDRESS_LENGTH, { nullable: true }) authUser!: string | null;
  @VarcharColumn(64, { nullable: true }) queueId!: string | null;
  @TextColumn({ nullable: true }) headerFrom!: string | null;
  @TextColumn({ nullable: true }) subject!: string | null;
  @VarcharColumn(64) messageFingerprint!: string;
  @IntegerColumn() size!: number;
  @VarcharColumn(8) action!: Action;
  @FloatColumn() score!: number;
  @JsonColumn() symbols!: readonly ScoredSymbol[];
  @JsonColumn() smtpReply!: SmtpReply;
  @JsonColumn() headers!: readonly (readonly [string, string])[];
  @JsonColumn({ nullable: true }) training!: ScanTraining | null;
  @IntegerColumn() elapsedMs!: number;
}
