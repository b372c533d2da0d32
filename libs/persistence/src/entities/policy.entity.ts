import { Entity, PrimaryColumn } from 'typeorm';
import {
  ADDRESS_LENGTH,
  ID_LENGTH,
  IntegerColumn,
  JsonColumn,
  TimestampColumn,
  VarcharColumn,
} from './column-types';

export const POLICY_SCOPES = ['global', 'domain', 'user'] as const;
export type PolicyScope = (typeof POLICY_SCOPES)[number];
/** The scope id of the one global row (policies and list entries), so (scope, scope_id) stays a plain key. */
export const GLOBAL_SCOPE_ID = '*';

/**
 * One layer of the layered policy (defaults ← global ← domain ← user). The document is validated by the scoring lib
 * before it is stored; `version` increases by one per update (optimistic concurrency for the API).
 */
@Entity('policy')
export class PolicyEntity {
  @PrimaryColumn({ type: 'varchar', length: 8 }) scope!: PolicyScope;
  @PrimaryColumn({ type: 'varchar', length: ID_LENGTH }) scopeId!: string;
  @JsonColumn() document!: unknown;
  @IntegerColumn() version!: number;
  @VarcharColumn(ADDRESS_LENGTH) updatedBy!: string;
  @TimestampColumn() updatedAt!: Date;
}
