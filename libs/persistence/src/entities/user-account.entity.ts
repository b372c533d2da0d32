import { Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { ADDRESS_LENGTH, IdColumn, RefColumn, TimestampColumn, VarcharColumn } from './column-types';
import { DomainEntity } from './domain.entity';
import { TenantEntity } from './tenant.entity';

/** A mailbox owner. `address` is the lower-cased mailbox address; the user's Bayes layer and policy hang off `id`. */
@Entity('user_account')
@Index('uq_user_account_address', ['address'], { unique: true })
@Index('idx_user_account_domain', ['domainId'])
export class UserAccountEntity {
  @IdColumn() id!: string;
  @RefColumn() tenantId!: string;
  @RefColumn() domainId!: string;
  @VarcharColumn(ADDRESS_LENGTH) address!: string;
  @VarcharColumn(255, { nullable: true }) displayName!: string | null;
  @TimestampColumn() createdAt!: Date;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_user_account_tenant' })
  tenant?: TenantEntity;

  @ManyToOne(() => DomainEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'domain_id', foreignKeyConstraintName: 'fk_user_account_domain' })
  domain?: DomainEntity;
}
