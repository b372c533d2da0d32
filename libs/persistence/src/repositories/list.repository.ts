import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Direction } from '@spamfilter/domain';
import { DataSource } from 'typeorm';
import { DomainEntity } from '../entities/domain.entity';
import {
  ListEntryEntity,
  type ListDirection,
  type ListKind,
  type ListMatchType,
} from '../entities/list-entry.entity';
import { UserAccountEntity } from '../entities/user-account.entity';
import { policyScopeId, type PolicyOwner } from './policy.repository';
import { domainOfAddress } from './user.repository';

export type ListOwner = PolicyOwner;

export interface NewListEntry {
  readonly kind: ListKind;
  readonly matchType: ListMatchType;
  readonly value: string;
  readonly direction: ListDirection;
  readonly reason?: string | null;
  readonly createdBy: string;
  readonly expiresAt?: Date | null;
}

/** The list entries that can matter for one scan: global ones, and per recipient its domain's and its own. */
export interface ScanListEntries {
  readonly global: readonly ListEntryEntity[];
  /** Keyed by lower-cased recipient address; recipients without entries are absent. */
  readonly byRecipient: ReadonlyMap<string, readonly ListEntryEntity[]>;
}

@Injectable()
export class ListRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Everything that applies to a scan in ONE query: unexpired entries for this direction (or both) that are global,
   * belong to a recipient's domain, or belong to a recipient's user account.
   */
  async entriesForScan(
    recipients: readonly string[],
    direction: Direction,
    at = new Date(),
  ): Promise<ScanListEntries> {
    const addresses = [...new Set(recipients.map((r) => r.toLowerCase()))];
    const domains = [...new Set(addresses.map(domainOfAddress).filter((d) => d !== ''))];
    const qb = this.dataSource
      .getRepository(ListEntryEntity)
      .createQueryBuilder('e')
      .leftJoin(UserAccountEntity, 'u', `e.scope = 'user' AND u.id = e.scope_id`)
      .leftJoin(DomainEntity, 'd', `e.scope = 'domain' AND d.id = e.scope_id`)
      .addSelect('u.address', 'owner_address')
      .addSelect('d.name', 'owner_domain')
      .where('(e.expires_at IS NULL OR e.expires_at > :at)', { at })
      .andWhere(`e.direction IN (:direction, 'both')`, { direction });
    const owners = [`e.scope = 'global'`];
    if (addresses.length) owners.push('u.address IN (:...addresses)');
    if (domains.length) owners.push('d.name IN (:...domains)');
    qb.andWhere(`(${owners.join(' OR ')})`, { addresses, domains }).orderBy('e.created_at', 'ASC');
    const { entities, raw } = await qb.getRawAndEntities<{
      e_id: string;
      owner_address: string | null;
      owner_domain: string | null;
    }>();
    const ownerOf = new Map(raw.map((r) => [r.e_id, r]));
    const global: ListEntryEntity[] = [];
    const byRecipient = new Map<string, ListEntryEntity[]>();
    const push = (address: string, entry: ListEntryEntity): void => {
      const list = byRecipient.get(address) ?? [];
      list.push(entry);
      byRecipient.set(address, list);
    };
    for (const entry of entities) {
      if (entry.scope === 'global') {
        global.push(entry);
        continue;
      }
      const owner = ownerOf.get(entry.id);
      if (entry.scope === 'user' && owner?.owner_address) push(owner.owner_address, entry);
      if (entry.scope === 'domain' && owner?.owner_domain) {
        for (const address of addresses)
          if (domainOfAddress(address) === owner.owner_domain) push(address, entry);
      }
    }
    return { global, byRecipient };
  }

  async add(owner: ListOwner, input: NewListEntry, at = new Date()): Promise<ListEntryEntity> {
    const entry: ListEntryEntity = {
      id: randomUUID(),
      scope: owner.scope,
      scopeId: policyScopeId(owner),
      kind: input.kind,
      matchType: input.matchType,
      value: input.value.toLowerCase(),
      direction: input.direction,
      reason: input.reason ?? null,
      createdBy: input.createdBy,
      createdAt: at,
      expiresAt: input.expiresAt ?? null,
    };
    await this.dataSource.getRepository(ListEntryEntity).insert(entry);
    return entry;
  }

  /** Removes an entry only if it belongs to this owner; false otherwise. */
  async remove(owner: ListOwner, id: string): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(ListEntryEntity)
      .delete({ id, scope: owner.scope, scopeId: policyScopeId(owner) });
    return (result.affected ?? 0) > 0;
  }

  list(owner: ListOwner): Promise<ListEntryEntity[]> {
    return this.dataSource
      .getRepository(ListEntryEntity)
      .find({ where: { scope: owner.scope, scopeId: policyScopeId(owner) }, order: { createdAt: 'ASC' } });
  }
}
