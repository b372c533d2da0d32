import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { runInTransaction, runWrite } from '../transactions';
import { DataSource, In } from 'typeorm';
import { DomainEntity, type UnknownRecipients } from '../entities/domain.entity';
import { TenantEntity } from '../entities/tenant.entity';
import { UserAccountEntity } from '../entities/user-account.entity';

/** Who a recipient address belongs to, as far as the product knows (unknown users of a known domain: userId null). */
export interface RecipientOwner {
  readonly address: string;
  readonly userId: string | null;
  readonly domainId: string;
  readonly tenantId: string;
  /** The domain's choice for addresses without a user ('reject': 550 5.1.1 at RCPT); null accepts them. */
  readonly unknownRecipients?: UnknownRecipients | null;
}

export function domainOfAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

/** Tenants, domains and users. Addresses and domain names are stored lower-case. */
@Injectable()
export class UserRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async createTenant(name: string, at = new Date()): Promise<TenantEntity> {
    const tenant: TenantEntity = { id: randomUUID(), name, createdAt: at };
    await runWrite(this.dataSource, (m) => m.getRepository(TenantEntity).insert(tenant));
    return tenant;
  }

  async createDomain(
    tenantId: string,
    name: string,
    at = new Date(),
    unknownRecipients: UnknownRecipients | null = null,
  ): Promise<DomainEntity> {
    const domain: DomainEntity = {
      id: randomUUID(),
      tenantId,
      name: name.toLowerCase(),
      createdAt: at,
      unknownRecipients,
    };
    await runWrite(this.dataSource, (m) => m.getRepository(DomainEntity).insert(domain));
    return domain;
  }

  /** Creates a user in an existing domain; the tenant is the domain's (never taken from the caller). */
  async createUser(
    input: { domainId: string; address: string; displayName?: string | null },
    at = new Date(),
  ): Promise<UserAccountEntity> {
    const domain = await this.dataSource.getRepository(DomainEntity).findOneBy({ id: input.domainId });
    if (!domain) throw new Error(`createUser: no domain ${input.domainId}`);
    const address = input.address.toLowerCase();
    if (domainOfAddress(address) !== domain.name)
      throw new Error(`createUser: ${address} is not in domain ${domain.name}`);
    const user: UserAccountEntity = {
      id: randomUUID(),
      tenantId: domain.tenantId,
      domainId: domain.id,
      address,
      displayName: input.displayName ?? null,
      createdAt: at,
    };
    await runWrite(this.dataSource, (m) => m.getRepository(UserAccountEntity).insert(user));
    return user;
  }

  findByAddress(address: string): Promise<UserAccountEntity | null> {
    return this.dataSource.getRepository(UserAccountEntity).findOneBy({ address: address.toLowerCase() });
  }

  findById(userId: string): Promise<UserAccountEntity | null> {
    return this.dataSource.getRepository(UserAccountEntity).findOneBy({ id: userId });
  }

  findDomainById(id: string): Promise<DomainEntity | null> {
    return this.dataSource.getRepository(DomainEntity).findOneBy({ id });
  }

  findTenant(id: string): Promise<TenantEntity | null> {
    return this.dataSource.getRepository(TenantEntity).findOneBy({ id });
  }

  listTenants(): Promise<TenantEntity[]> {
    return this.dataSource.getRepository(TenantEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Hosted domains with their user counts, of one tenant or all. */
  async listDomains(tenantId?: string): Promise<(DomainEntity & { users: number })[]> {
    const domains = await this.dataSource
      .getRepository(DomainEntity)
      .find({ where: tenantId ? { tenantId } : {}, order: { name: 'ASC' } });
    if (domains.length === 0) return [];
    const counts = await this.dataSource
      .getRepository(UserAccountEntity)
      .createQueryBuilder('u')
      .select('u.domain_id', 'domainId')
      .addSelect('COUNT(*)', 'n')
      .where('u.domain_id IN (:...ids)', { ids: domains.map((d) => d.id) })
      .groupBy('u.domain_id')
      .getRawMany<{ domainId: string; n: number | string }>();
    const byDomain = new Map(counts.map((c) => [c.domainId, Number(c.n)]));
    return domains.map((d) => ({ ...d, users: byDomain.get(d.id) ?? 0 }));
  }

  async setUnknownRecipients(domainId: string, value: UnknownRecipients | null): Promise<void> {
    await runWrite(this.dataSource, (m) =>
      m.getRepository(DomainEntity).update({ id: domainId }, { unknownRecipients: value }),
    );
  }

  /** Removes a hosted domain; its users, their keys and lists go with it (foreign keys cascade, lists by scope). */
  async removeDomain(domainId: string): Promise<boolean> {
    return runInTransaction(this.dataSource, async (m) => {
      const users = await m
        .getRepository(UserAccountEntity)
        .find({ where: { domainId }, select: { id: true } });
      const owners = [domainId, ...users.map((u) => u.id)];
      await m
        .createQueryBuilder()
        .delete()
        .from('list_entry')
        .where("scope IN ('domain', 'user') AND scope_id IN (:...owners)", { owners })
        .execute();
      await m
        .createQueryBuilder()
        .delete()
        .from('policy')
        .where("scope IN ('domain', 'user') AND scope_id IN (:...owners)", { owners })
        .execute();
      const r = await m.getRepository(DomainEntity).delete({ id: domainId });
      return (r.affected ?? 0) > 0;
    });
  }

  findDomainByName(name: string): Promise<DomainEntity | null> {
    return this.dataSource.getRepository(DomainEntity).findOneBy({ name: name.toLowerCase() });
  }

  /**
   * The hosted domains that make `name` forgeable for allow entries: `name` itself, a parent of it, or a subdomain
   * of it (an allow for a domain also matches its subdomains). Unindexed LIKE for the subdomains: asked once per
   * approval, never per scan.
   */
  async hostedDomainsCovering(name: string): Promise<string[]> {
    const lower = name.toLowerCase().replace(/\.$/, '');
    if (lower === '') return [];
    const labels = lower.split('.');
    const selfAndParents = labels.slice(0, -1).map((_, i) => labels.slice(i).join('.'));
    const rows = await this.dataSource
      .getRepository(DomainEntity)
      .createQueryBuilder('d')
      .select('d.name', 'name')
      .where('d.name IN (:...selfAndParents)', {
        selfAndParents: selfAndParents.length ? selfAndParents : [lower],
      })
      .orWhere('d.name LIKE :under', { under: `%.${lower}` })
      .getRawMany<{ name: string }>();
    return rows.map((r) => r.name).sort();
  }

  /**
   * The owners of a scan's recipients in two indexed lookups: users by address, domains by name. Recipients of
   * domains the product does not serve are absent from the map.
   */
  async resolveRecipients(addresses: readonly string[]): Promise<Map<string, RecipientOwner>> {
    const lower = [...new Set(addresses.map((a) => a.toLowerCase()))];
    const out = new Map<string, RecipientOwner>();
    if (lower.length === 0) return out;
    const domainNames = [...new Set(lower.map(domainOfAddress).filter((d) => d !== ''))];
    const [users, domains] = await Promise.all([
      this.dataSource.getRepository(UserAccountEntity).findBy({ address: In(lower) }),
      domainNames.length
        ? this.dataSource.getRepository(DomainEntity).findBy({ name: In(domainNames) })
        : Promise.resolve([]),
    ]);
    const userByAddress = new Map(users.map((u) => [u.address, u]));
    const domainByName = new Map(domains.map((d) => [d.name, d]));
    for (const address of lower) {
      const user = userByAddress.get(address);
      const domain = domainByName.get(domainOfAddress(address));
      const unknownRecipients = domain?.unknownRecipients ?? null;
      if (user) {
        out.set(address, {
          address,
          userId: user.id,
          domainId: user.domainId,
          tenantId: user.tenantId,
          unknownRecipients,
        });
        continue;
      }
      if (domain)
        out.set(address, {
          address,
          userId: null,
          domainId: domain.id,
          tenantId: domain.tenantId,
          unknownRecipients,
        });
    }
    return out;
  }
}
