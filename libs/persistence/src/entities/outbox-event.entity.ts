import { Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { IntegerColumn, JsonColumn, TextColumn, TimestampColumn, VarcharColumn } from './column-types';

/**
 * Transactional outbox: events written in the same transaction as the change they announce, relayed to Kafka
 * later. `lockedUntil` is the relay's lease on a claimed row, so two relays do not publish the same batch.
 */
@Entity('outbox_event')
@Index('idx_outbox_event_published_at', ['publishedAt'])
export class OutboxEventEntity {
  @PrimaryGeneratedColumn('increment', { type: 'integer' }) id!: number;
  @VarcharColumn(255) topic!: string;
  @VarcharColumn(255, { nullable: true }) messageKey!: string | null;
  @JsonColumn() payload!: unknown;
  @TimestampColumn() createdAt!: Date;
  @TimestampColumn({ nullable: true }) publishedAt!: Date | null;
  @TimestampColumn({ nullable: true }) lockedUntil!: Date | null;
  @IntegerColumn() attempts!: number;
  @TextColumn({ nullable: true }) lastError!: string | null;
}
