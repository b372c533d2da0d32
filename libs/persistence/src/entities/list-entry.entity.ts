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
/**
 * What a message must show before an allow entry applies. `aligned_auth`: the sender the entry matched is
 * authenticated — DMARC pass for the From domain (RFC 7489 §3.1: SPF or DKIM aligned with it) when the From header
 * matched, SPF pass for the MAIL FROM domain (RFC 7208 §2.4) when the envelope sender matched. Set on allows for
 * senders in a domain we host, which anyone can put in MAIL FROM or From.
 */
export type ListRequirement = 'aligned_auth';

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
  /** Null: the entry applies whenever it matches. */
  @VarcharColumn(16, { nullable: true }) requires!: ListRequirement | null;
}
