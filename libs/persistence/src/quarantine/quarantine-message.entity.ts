import type { Direction } from '@spamfilter/domain';
import { Entity, Index } from 'typeorm';
import {
  ADDRESS_LENGTH,
  IdColumn,
  IntegerColumn,
  JsonColumn,
  RefColumn,
  TextColumn,
  TimestampColumn,
  VarcharColumn,
} from '../entities/column-types';

/**
 * A copy of a message kept instead of delivered: for one recipient whose policy refused a message that other
 * recipients accept (one SMTP answer after DATA cannot refuse it for them alone) or whose policy quarantines spam;
 * or, outbound, a message held for review (one copy for all its recipients, owned by the sender). `userId` is the
 * owner (the recipient, or the sending user). The raw message, with the headers
 * that recipient's copy carries, is stored base64 in a text column (the same type on SQLite and PostgreSQL, so the
 * schema has no driver-specific column; quarantine is a small share of mail, the third more space is the price).
 * Rows past `expiresAt` are deleted by the retention sweep (QUARANTINE_RETENTION_DAYS).
 */
@Entity('quarantine_message')
@Index('idx_quarantine_recipient_created', ['recipient', 'createdAt'])
@Index('idx_quarantine_reference', ['reference'])
@Index('idx_quarantine_expires', ['expiresAt'])
@Index('idx_quarantine_user_created', ['userId', 'createdAt'])
@Index('idx_quarantine_domain_created', ['domainId', 'createdAt'])
export class QuarantineMessageEntity {
  @IdColumn() id!: string;
  @VarcharColumn(26) reference!: string;
  @VarcharColumn(8) direction!: Direction;
  @VarcharColumn(ADDRESS_LENGTH) recipient!: string;
  @RefColumn({ nullable: true }) userId!: string | null;
  @VarcharColumn(ADDRESS_LENGTH) mailFrom!: string;
  @TextColumn({ nullable: true }) headerFrom!: string | null;
  @TextColumn({ nullable: true }) subject!: string | null;
  @IntegerColumn() size!: number;
  @TextColumn() reason!: string;
  @TextColumn() rawBase64!: string;
  @TimestampColumn() createdAt!: Date;
  @TimestampColumn() expiresAt!: Date;
  /** Whom a release delivers to: held outbound mail goes to all its recipients; null: [recipient]. */
  @JsonColumn({ nullable: true }) rcptTo!: readonly string[] | null;
  /** The owner's domain (the recipient's inbound, the sender's for held outbound mail): domain admins see these. */
  @RefColumn({ nullable: true }) domainId!: string | null;
  @TimestampColumn({ nullable: true }) releasedAt!: Date | null;
  @VarcharColumn(ADDRESS_LENGTH, { nullable: true }) releasedBy!: string | null;
}
