import { Entity } from 'typeorm';
import { IdColumn, TimestampColumn, VarcharColumn } from './column-types';

/** A hosting provider's customer: owns domains, users, keys and policies. */
@Entity('tenant')
export class TenantEntity {
  @IdColumn() id!: string;
  @VarcharColumn(255) name!: string;
  @TimestampColumn() createdAt!: Date;
}
