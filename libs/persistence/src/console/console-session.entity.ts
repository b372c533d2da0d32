import { Entity, Index, PrimaryColumn } from 'typeorm';
import { RefColumn, TimestampColumn, VarcharColumn } from '../entities/column-types';

/** How a console session was opened: an API key exchanged once, or the mailbox password checked over IMAP. */
export type ConsoleSessionVia = 'key' | 'imap';

/**
 * A web console session. The browser holds only an opaque random token in an HttpOnly cookie; this row is keyed by
 * the token's SHA-256, so a database leak does not leak usable sessions. The session never stores a role of its own:
 * each request resolves the key (revoked → signed out) or the mailbox (removed → signed out) again.
 */
@Entity('console_session')
@Index('idx_console_session_expires', ['expiresAt'])
@Index('idx_console_session_key', ['keyId'])
export class ConsoleSessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) tokenHash!: string;
  @VarcharColumn(8) via!: ConsoleSessionVia;
  /** via=key: the API key presented at sign-in. */
  @RefColumn({ nullable: true }) keyId!: string | null;
  /** via=imap: the mailbox that signed in. */
  @RefColumn({ nullable: true }) userId!: string | null;
  @TimestampColumn() createdAt!: Date;
  @TimestampColumn() lastSeenAt!: Date;
  /** The absolute end (CONSOLE_SESSION_MAX_HOURS after sign-in); the idle end is lastSeenAt + the idle time. */
  @TimestampColumn() expiresAt!: Date;
}
