import { Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from './column-types';

/** Idempotent consumers: one row per (consumer, event id) handled, written in the handler's transaction. */
@Entity('processed_event')
export class ProcessedEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 }) consumer!: string;
  @PrimaryColumn({ type: 'varchar', length: 128 }) eventId!: string;
  @TimestampColumn() processedAt!: Date;
}
