import { Entity, Index, PrimaryColumn } from 'typeorm';
import { RefColumn, TimestampColumn } from '../entities/column-types';

/**
 * One mark request a client asked to be idempotent (the Idempotency-Key header of POST /v1/marks/raw): the mailbox
 * hook sends each move once per spool entry and resends it until it gets an answer, so a retry after a lost answer
 * must find the mark the first attempt made instead of training again. `requestKey` is the SHA-256 (hex) of the
 * calling API key's id and the client's key, so two clients cannot collide and a key is never stored in clear.
 */
@Entity('mark_request')
@Index('idx_mark_request_created', ['createdAt'])
export class MarkRequestEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) requestKey!: string;
  @RefColumn() markId!: string;
  @TimestampColumn() createdAt!: Date;
}
