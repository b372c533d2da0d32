import { Entity, PrimaryColumn } from 'typeorm';
import { FloatColumn, TimestampColumn } from './column-types';

/**
 * Decayed spam/ham evidence per key: 'ip:1.2.3.4', 'net:1.2.3.0/24', 'domain:example.com'. The decay is applied by
 * the reputation service from `updatedAt`; the row stores the values as of that time.
 */
@Entity('reputation')
export class ReputationEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 }) key!: string;
  @FloatColumn() spam!: number;
  @FloatColumn() ham!: number;
  @TimestampColumn() updatedAt!: Date;
}
