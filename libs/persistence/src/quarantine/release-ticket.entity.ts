import { Entity, Index, PrimaryColumn } from 'typeorm';
import {
  ADDRESS_LENGTH,
  IdColumn,
  JsonColumn,
  RefColumn,
  TimestampColumn,
  VarcharColumn,
} from '../entities/column-types';

export type ReleasePurpose = 'release' | 'digest';

/**
 * A one-time ticket by which the API vouches for a message it re-injects through Haraka (RELEASE_HEADER in
 * libs/domain): only its SHA-256 is stored, so the table cannot be used to forge one. The filter redeems it once,
 * before it expires, for the same body (bodyDigest), envelope sender and recipients; the message is then delivered
 * without being scored again. Expired tickets are swept with the quarantine.
 */
@Entity('release_ticket')
@Index('uq_release_ticket_token', ['tokenHash'], { unique: true })
@Index('idx_release_ticket_expires', ['expiresAt'])
export class ReleaseTicketEntity {
  @IdColumn() id!: string;
  @VarcharColumn(64) tokenHash!: string;
  @VarcharColumn(8) purpose!: ReleasePurpose;
  /** The reference the delivered copy carries: the quarantined message's own for a release, a new one for a digest. */
  @VarcharColumn(26) reference!: string;
  @RefColumn({ nullable: true }) quarantineId!: string | null;
  @VarcharColumn(64) bodyDigest!: string;
  @VarcharColumn(ADDRESS_LENGTH) mailFrom!: string;
  @JsonColumn() rcptTo!: readonly string[];
  /** Who released (an API key's holder) or "digest". */
  @VarcharColumn(ADDRESS_LENGTH) issuedBy!: string;
  @TimestampColumn() createdAt!: Date;
  @TimestampColumn() expiresAt!: Date;
  @TimestampColumn({ nullable: true }) usedAt!: Date | null;
}

/** When a user was last sent their quarantine digest (one per day whatever the number of API instances). */
@Entity('quarantine_digest')
export class QuarantineDigestEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) userId!: string;
  @TimestampColumn() lastSentAt!: Date;
}
