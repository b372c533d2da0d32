import { Entity, Index } from 'typeorm';
import {
  ADDRESS_LENGTH,
  IdColumn,
  RefColumn,
  TextColumn,
  TimestampColumn,
  VarcharColumn,
} from './column-types';

export type DelistStatus = 'pending' | 'approved' | 'rejected';

/** "Why was my mail refused?" → a sender asks to be allowed; an operator approves (creating an allow entry) or not. */
@Entity('delist_request')
@Index('idx_delist_request_status_created', ['status', 'createdAt'])
export class DelistRequestEntity {
  @IdColumn() id!: string;
  @VarcharColumn(26) reference!: string;
  @VarcharColumn(ADDRESS_LENGTH) requesterEmail!: string;
  @TextColumn() message!: string;
  @VarcharColumn(10) status!: DelistStatus;
  @TimestampColumn() createdAt!: Date;
  @VarcharColumn(ADDRESS_LENGTH, { nullable: true }) reviewedBy!: string | null;
  @TimestampColumn({ nullable: true }) reviewedAt!: Date | null;
  @TextColumn({ nullable: true }) decisionNote!: string | null;
  @RefColumn({ nullable: true }) allowEntryId!: string | null;
}
