import { Entity, Index } from 'typeorm';
import {
  ADDRESS_LENGTH,
  BooleanColumn,
  IdColumn,
  IntegerColumn,
  JsonColumn,
  TextColumn,
  TimestampColumn,
  VarcharColumn,
} from './column-types';

/** An Acceptable Use Policy rule for outbound mail; `rule` is the declarative rule document. */
@Entity('aup_rule')
@Index('uq_aup_rule_name', ['name'], { unique: true })
export class AupRuleEntity {
  @IdColumn() id!: string;
  @VarcharColumn(128) name!: string;
  @TextColumn() description!: string;
  @JsonColumn() rule!: unknown;
  @BooleanColumn() enabled!: boolean;
  @VarcharColumn(ADDRESS_LENGTH) createdBy!: string;
  @TimestampColumn() createdAt!: Date;
  @TimestampColumn() updatedAt!: Date;
  @IntegerColumn() version!: number;
}
