import { Entity, Index } from 'typeorm';
import {
  ADDRESS_LENGTH,
  IdColumn,
  IntegerColumn,
  TextColumn,
  TimestampColumn,
  VarcharColumn,
} from '../entities/column-types';

export type DeliveryStatus = 'delivered' | 'deferred' | 'bounced' | 'not_sent';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['delivered', 'deferred', 'bounced', 'not_sent'];

/**
 * What the next hop said about one recipient of an outbound message, as Haraka reported it (the plugin's delivery
 * report): the sender's delivery status and support's transcript, under the message's reference. One row per report
 * and recipient: a message deferred and later delivered has both rows, in order. Deleted with the message log's
 * retention (MESSAGE_LOG_RETENTION_DAYS).
 */
@Entity('delivery_result')
@Index('idx_delivery_result_reference', ['reference', 'at'])
@Index('idx_delivery_result_received', ['receivedAt'])
export class DeliveryResultEntity {
  @IdColumn() id!: string;
  @VarcharColumn(26) reference!: string;
  @VarcharColumn(64, { nullable: true }) queueId!: string | null;
  @VarcharColumn(ADDRESS_LENGTH) recipient!: string;
  @VarcharColumn(10) status!: DeliveryStatus;
  /** The next hop's reply code; null when there was none (unreachable, connection lost). */
  @IntegerColumn({ nullable: true }) code!: number | null;
  /** RFC 3463 enhanced status code from the reply text, when it had one. */
  @VarcharColumn(16, { nullable: true }) enhanced!: string | null;
  @TextColumn() text!: string;
  /** When the next hop gave that reply. */
  @TimestampColumn() at!: Date;
  /** When the filter stored the report. */
  @TimestampColumn() receivedAt!: Date;
}
