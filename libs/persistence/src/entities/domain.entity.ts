import { Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { IdColumn, RefColumn, TimestampColumn, VarcharColumn } from './column-types';
import { TenantEntity } from './tenant.entity';

/** A mail domain the filter protects, owned by one tenant. `name` is lower-case. */
@Entity('domain')
@Index('uq_domain_name', ['name'], { unique: true })
@Index('idx_domain_tenant', ['tenantId'])
export class DomainEntity {
  @IdColumn() id!: string;
  @RefColumn() tenantId!: string;
  @VarcharColumn(253) name!: string;
  @TimestampColumn() createdAt!: Date;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_domain_tenant' })
  tenant?: TenantEntity;
}
