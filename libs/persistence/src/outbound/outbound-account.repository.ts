import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { DomainEntity } from '../entities/domain.entity';
import { OutboundAccountEntity, type OutboundAccountStatus } from '../entities/outbound-account.entity';
import { OutboundAuditEntity, type OutboundAuditAction } from '../entities/outbound-audit.entity';
import { UserAccountEntity } from '../entities/user-account.entity';
import { domainOfAddress } from '../repositories/user.repository';
import { runInTransaction } from '../transactions';

/** Tenant id recorded for a sending account the product has no user or domain row for (an open relay customer). */
export const UNKNOWN_TENANT_ID = '*';

export interface StatusChange {
  /** Who did it: an operator's address, or "system:auto-block". */
  readonly actor: string;
  readonly reason: string;
  readonly at?: Date;
}

export type StatusChangeResult =
  | { readonly changed: true; readonly account: OutboundAccountEntity; readonly audit: OutboundAuditEntity }
  | { readonly changed: false; readonly account: OutboundAccountEntity | null };

export interface AccountListFilter {
  readonly status?: OutboundAccountStatus;
  readonly limit: number;
  readonly offset?: number;
}

/**
 * Outbound accounts and their append-only audit trail. Every status change writes its audit row in the same
 * transaction, so the trail cannot miss a change; the trail itself has no update or delete method here (and the
 * database refuses both: see the outbound_audit triggers migration).
 */
@Injectable()
export class OutboundAccountRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  find(address: string): Promise<OutboundAccountEntity | null> {
    return this.dataSource.getRepository(OutboundAccountEntity).findOneBy({ address: address.toLowerCase() });
  }

  /** The status the filter acts on; an account never seen is active. */
  async statusOf(address: string): Promise<OutboundAccountStatus> {
    const row = await this.dataSource
      .getRepository(OutboundAccountEntity)
      .findOne({ where: { address: address.toLowerCase() }, select: { address: true, status: true } });
    return row?.status ?? 'active';
  }

  block(
    address: string,
    change: StatusChange,
    action: Extract<OutboundAuditAction, 'block' | 'auto_block'> = 'block',
  ): Promise<StatusChangeResult> {
    return this.setStatus(address, 'blocked', action, change);
  }

  unblock(address: string, change: StatusChange): Promise<StatusChangeResult> {
    return this.setStatus(address, 'active', 'unblock', change);
  }

  /** Keeps the last computed standing on the account row (what the operator list shows). */
  async saveStanding(
    address: string,
    standing: Readonly<Record<string, unknown>>,
    at = new Date(),
  ): Promise<void> {
    await runInTransaction(this.dataSource, async (m) => {
      const account = await this.ensure(m, address.toLowerCase(), at);
      await m.getRepository(OutboundAccountEntity).update({ address: account.address }, {
        standing,
        updatedAt: at,
      } as QueryDeepPartialEntity<OutboundAccountEntity>);
    });
  }

  async list(filter: AccountListFilter): Promise<OutboundAccountEntity[]> {
    return this.dataSource.getRepository(OutboundAccountEntity).find({
      where: filter.status ? { status: filter.status } : {},
      order: { updatedAt: 'DESC', address: 'ASC' },
      take: Math.max(1, Math.min(500, filter.limit)),
      skip: filter.offset ?? 0,
    });
  }

  /** When the account was last unblocked (by an operator), or null: the filter's spam window restarts there. */
  /** Accounts blocked now (metrics). */
  countBlocked(): Promise<number> {
    return this.dataSource.getRepository(OutboundAccountEntity).countBy({ status: 'blocked' });
  }

  async lastUnblockAt(address: string): Promise<Date | null> {
    const row = await this.dataSource.getRepository(OutboundAuditEntity).findOne({
      where: { account: address.toLowerCase(), action: 'unblock' },
      order: { id: 'DESC' },
      select: { id: true, at: true },
    });
    return row?.at ?? null;
  }

  /** The audit trail, oldest first; of one account, or of all (newest `limit`). */
  async auditTrail(address: string | null, limit = 200): Promise<OutboundAuditEntity[]> {
    const rows = await this.dataSource.getRepository(OutboundAuditEntity).find({
      where: address ? { account: address.toLowerCase() } : {},
      order: { id: 'DESC' },
      take: Math.max(1, Math.min(1000, limit)),
    });
    return rows.reverse();
  }

  private async setStatus(
    address: string,
    status: OutboundAccountStatus,
    action: OutboundAuditAction,
    change: StatusChange,
  ): Promise<StatusChangeResult> {
    const at = change.at ?? new Date();
    const lower = address.toLowerCase();
    return runInTransaction(this.dataSource, async (m) => {
      const account = await this.ensure(m, lower, at);
      if (account.status === status) return { changed: false, account };
      const updated: OutboundAccountEntity = {
        ...account,
        status,
        blockedAt: status === 'blocked' ? at : null,
        blockedReason: status === 'blocked' ? change.reason : null,
        updatedAt: at,
      };
      // Only a row still in the old status changes: two instances auto-blocking at once write one audit row.
      const result = await m
        .createQueryBuilder()
        .update(OutboundAccountEntity)
        .set({ status, blockedAt: updated.blockedAt, blockedReason: updated.blockedReason, updatedAt: at })
        .where('address = :address AND status = :old', { address: lower, old: account.status })
        .execute();
      if ((result.affected ?? 0) === 0) return { changed: false, account };
      const audit = m
        .getRepository(OutboundAuditEntity)
        .create({ account: lower, action, actor: change.actor, reason: change.reason, at });
      await m.getRepository(OutboundAuditEntity).insert(audit);
      return { changed: true, account: updated, audit };
    });
  }

  /** The account row, created active on first sight with the tenant of its user or domain. */
  private async ensure(m: EntityManager, address: string, at: Date): Promise<OutboundAccountEntity> {
    const repo = m.getRepository(OutboundAccountEntity);
    const existing = await repo.findOneBy({ address });
    if (existing) return existing;
    const user = await m.getRepository(UserAccountEntity).findOneBy({ address });
    const domain = user
      ? null
      : await m.getRepository(DomainEntity).findOneBy({ name: domainOfAddress(address) });
    const row: OutboundAccountEntity = {
      address,
      tenantId: user?.tenantId ?? domain?.tenantId ?? UNKNOWN_TENANT_ID,
      status: 'active',
      blockedAt: null,
      blockedReason: null,
      standing: null,
      updatedAt: at,
    };
    await repo
      .createQueryBuilder()
      .insert()
      .into(OutboundAccountEntity)
      .values(row as QueryDeepPartialEntity<OutboundAccountEntity>)
      .orIgnore()
      .execute();
    return (await repo.findOneBy({ address })) ?? row;
  }
}
