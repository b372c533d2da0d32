import { Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { IdColumn, RefColumn, TimestampColumn, VarcharColumn } from './column-types';
import { TenantEntity } from './tenant.entity';

/**
 * What the MX does with mail for an address of the domain that has no user here: 'reject' refuses it at RCPT with
 * 550 5.1.1 (no backscatter: the sending server learns at once, RFC 5321 §3.3), null accepts it (the mailboxes live
 * behind the filter and the product does not know them all).
 */
export type UnknownRecipients = 'reject';

/** A mail domain the filter protects, owned by one tenant. `name` is lower-case. */
@Entity('domain')
@Index('uq_domain_name', ['name'], { unique: true })
@Index('idx_domain_tenant', ['tenantId'])
export class DomainEntity {
  @IdColumn() id!: string;
  @RefColumn() tenantId!: string;
  @VarcharColumn(253) name!: string;
  @TimestampColumn() createdAt!: Date;
  @VarcharColumn(8, { nullable: true }) unknownRecipients!: UnknownRecipients | null;

  @ManyToOne(() => TenantEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_domain_tenant' })
  tenant?: TenantEntity;
}
