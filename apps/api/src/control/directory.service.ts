import { ConflictException, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { DomainEntity, TenantEntity, UserRepository } from '@spamfilter/persistence';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../guards/principal';
import { ControlChanges } from './control-changes';
import type { DomainCreate, DomainView, TenantView } from './control.dto';

function tenantView(t: TenantEntity): TenantView {
  return { id: t.id, name: t.name, createdAt: t.createdAt.toISOString() };
}

function domainView(d: DomainEntity, users: number): DomainView {
  return {
    id: d.id,
    name: d.name,
    tenantId: d.tenantId,
    unknownRecipients: d.unknownRecipients === 'reject' ? 'reject' : 'accept',
    users,
    createdAt: d.createdAt.toISOString(),
  };
}

/**
 * Tenants (a provider's customers or resellers) and the domains they host. The filter answers Haraka's recipient
 * check from these rows (POST /v1/recipient: hosted or relaying denied; unknown mailboxes refused where the domain
 * asks for it), so every change here is published as a 'directory' change that drops the filters' caches at once.
 */
@Injectable()
export class DirectoryService {
  constructor(
    @Inject(UserRepository) private readonly users: UserRepository,
    @Inject(ControlChanges) private readonly changes: ControlChanges,
  ) {}

  async createTenant(p: Principal, name: string): Promise<TenantView> {
    const tenant: TenantEntity = { id: randomUUID(), name, createdAt: new Date() };
    return this.changes.apply(p, async (m) => {
      await m.getRepository(TenantEntity).insert(tenant);
      const view = tenantView(tenant);
      return {
        result: view,
        audit: {
          tenantId: tenant.id,
          subject: 'tenant',
          subjectId: tenant.id,
          action: 'create',
          before: null,
          after: view,
        },
      };
    });
  }

  async listTenants(): Promise<TenantView[]> {
    return (await this.users.listTenants()).map(tenantView);
  }

  async createDomain(p: Principal, body: DomainCreate): Promise<DomainView> {
    // A clear 404 for an unknown tenant (the foreign key would otherwise fail the insert: a 500).
    if (!(await this.users.findTenant(body.tenantId)))
      throw new NotFoundException(`tenantId: no tenant ${body.tenantId}`);
    if (await this.users.findDomainByName(body.name))
      throw new ConflictException(`domain ${body.name} is hosted already`);
    const domain: DomainEntity = {
      id: randomUUID(),
      tenantId: body.tenantId,
      name: body.name,
      createdAt: new Date(),
      unknownRecipients: body.unknownRecipients === 'reject' ? 'reject' : null,
    };
    return this.changes.apply(p, async (m) => {
      await m.getRepository(DomainEntity).insert(domain);
      const view = domainView(domain, 0);
      return {
        result: view,
        audit: {
          tenantId: domain.tenantId,
          subject: 'domain',
          subjectId: domain.name,
          action: 'create',
          before: null,
          after: view,
        },
        change: { kind: 'directory', userId: null, payload: { domain: domain.name, hosted: true } },
      };
    });
  }

  /** Operators: every domain (or one tenant's); domain admins: their own. */
  async listDomains(p: Principal, tenantId: string | undefined): Promise<DomainView[]> {
    const all = await this.users.listDomains(p.role === 'operator' ? tenantId : p.tenantId);
    return all.filter((d) => p.role === 'operator' || d.name === p.domain).map((d) => domainView(d, d.users));
  }

  async updateDomain(
    p: Principal,
    name: string,
    unknownRecipients: 'accept' | 'reject',
  ): Promise<DomainView> {
    const domain = await this.owned(p, name);
    const before = (await this.users.listDomains(domain.tenantId)).find((d) => d.id === domain.id);
    const users = before?.users ?? 0;
    const next: DomainEntity = {
      ...domain,
      unknownRecipients: unknownRecipients === 'reject' ? 'reject' : null,
    };
    return this.changes.apply(p, async (m) => {
      await m
        .getRepository(DomainEntity)
        .update({ id: domain.id }, { unknownRecipients: next.unknownRecipients });
      const view = domainView(next, users);
      return {
        result: view,
        audit: {
          tenantId: domain.tenantId,
          subject: 'domain',
          subjectId: domain.name,
          action: 'update',
          before: domainView(domain, users),
          after: view,
        },
        change: { kind: 'directory', userId: null, payload: { domain: domain.name, unknownRecipients } },
      };
    });
  }

  /** Stops hosting a domain: its users, keys, lists and policies go with it; mail for it is refused as relaying. */
  async removeDomain(p: Principal, name: string): Promise<void> {
    const domain = await this.users.findDomainByName(name);
    if (!domain) throw new NotFoundException(`no domain ${name} served here`);
    if (!(await this.users.removeDomain(domain.id)))
      throw new NotFoundException(`no domain ${name} served here`);
    // The rows are gone (one transaction of their own: the cascade spans several tables); the trace and the filters'
    // cache drop follow in the next one. A failure between the two leaves the filters on their short cache (60 s).
    await this.changes.apply(p, () =>
      Promise.resolve({
        result: undefined,
        audit: {
          tenantId: domain.tenantId,
          subject: 'domain' as const,
          subjectId: domain.name,
          action: 'remove',
          before: domainView(domain, 0),
          after: null,
        },
        change: { kind: 'directory' as const, userId: null, payload: { domain: domain.name, hosted: false } },
      }),
    );
  }

  private async owned(p: Principal, name: string): Promise<DomainEntity> {
    const domain = await this.users.findDomainByName(name);
    const mine =
      domain &&
      (p.role === 'operator' ||
        (p.role === 'domain_admin' && p.domain === domain.name && p.tenantId === domain.tenantId));
    if (!domain || !mine) {
      if (p.role === 'user')
        throw new ForbiddenException('domains are managed by their domain admins and operators');
      throw new NotFoundException(`no domain ${name} in your administration`);
    }
    return domain;
  }
}
