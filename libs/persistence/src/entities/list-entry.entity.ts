import { Entity, Index } from 'typeorm';
import {
  ADDRESS_LENGTH,
  ID_LENGTH,
  IdColumn,
  TextColumn,
  TimestampColumn,
  VarcharColumn,
} from './column-types';
import type { PolicyScope } from './policy.entity';

export type ListKind = 'allow' | 'block';
export type ListMatchType = 'address' | 'domain' | 'ip' | 'cidr';
export type ListDirection = 'inbound' | 'outbound' | 'both';

/** An allow/block list entry; global entries use scope id GLOBAL_SCOPE_ID. `value` is lower-cased. */
@Entity('list_entry')
@Index('idx_list_entry_scope_value', ['scope', 'value'])
@Index('idx_list_entry_scope_owner', ['scope', 'scopeId'])
export class ListEntryEntity {
  @IdColumn() id!: string;
  @VarcharColumn(8) scope!: PolicyScope;
  @VarcharColumn(ID_LENGTH) scopeId!: string;
  @VarcharColumn(8) kind!: ListKind;
  @VarcharColumn(8) matchType!: ListMatchType;
  @VarcharColumn(ADDRESS_LENGTH) value!: string;
  @VarcharColumn(8) direction!: ListDirection;
  @TextColumn({ nullable: true }) reason!: string | null;
  @VarcharColumn(ADDRESS_LENGTH) createdBy!: string;
  @TimestampColumn() createdAt!: Date;
  @TimestampColumn({ nullable: true }) expiresAt!: Date | null;
}
