import { Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { IdColumn, RefColumn, TimestampColumn, VarcharColumn } from './column-types';
import { DomainEntity } from './domain.entity';
import { TenantEntity } from './tenant.entity';
import { UserAccountEntity } from './user-account.entity';

/**
 * `mailbox_service`: a mail store's hook (dovecot/) that reports Junk moves for the users of one domain, or of
 * every domain of its tenant when the key names no domain; it owns no mailbox and may only mark.
 */
export const API_KEY_ROLES = ['user', 'domain_admin', 'operator', 'mailbox_service'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/**
 * An API key. The token is `<prefix>.<secret>`: the prefix is stored in clear for lookup, the secret only as its
 * SHA-256 (hex), so a database leak does not leak usable keys.
 */
@Entity('api_key')
@Index('uq_api_key_prefix', ['keyPrefix'], { unique: true })
@Index('idx_api_key_tenant', ['tenantId'])
export class ApiKeyEntity {
  @IdColumn() id!: string;
  @VarcharColumn(16) keyPrefix!: string;
  @VarcharColumn(64) secretHash!: string;
  @VarcharColumn(16) role!: ApiKeyRole;
  @VarcharColumn(255, { nullable: true }) label!: string | null;
  @RefColumn({ nullable: true }) userId!: string | null;
  @RefColumn() tenantId!: string;
  @RefColumn({ nullable: true }) domainId!: string | null;
  @TimestampColumn() createdAt!: Date;
  @TimestampColumn({ nullable: true }) lastUsedAt!: Date | null;
  @TimestampColumn({ nullable: true }) revokedAt!: Date | null;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_api_key_tenant' })
  tenant?: TenantEntity;

  @ManyToOne(() => UserAccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_api_key_user' })
  user?: UserAccountEntity;

  @ManyToOne(() => DomainEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'domain_id', foreignKeyConstraintName: 'fk_api_key_domain' })
  domain?: DomainEntity;
}
