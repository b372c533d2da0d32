import {
  BadRequestException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { UserRepository, type PolicyOwner } from '@spamfilter/persistence';
import type { Principal } from '../guards/principal';
import { accessTo, defaultScope, type ScopeTarget } from './scope-access';
import type { ScopeQuery } from './control.dto';

/** The persistence owner of a target's lists and policy layer. */
export function ownerOf(target: ScopeTarget): PolicyOwner {
  switch (target.scope) {
    case 'global':
      return { scope: 'global' };
    case 'domain':
      return { scope: 'domain', domainId: target.domainId };
    case 'user':
      return { scope: 'user', userId: target.userId };
  }
}

/**
 * Turns `?scope=&domain=&user=` (defaults: the caller's own scope) into a target the caller may reach, or the 4xx
 * that says why not: 400 for a missing name, 404 for an unknown (or not the caller's) domain or user, 403 for a scope
 * the caller's role cannot reach.
 */
@Injectable()
export class ScopeResolver {
  constructor(@Inject(UserRepository) private readonly users: UserRepository) {}

  async resolve(p: Principal, q: ScopeQuery): Promise<ScopeTarget> {
    const d = defaultScope(p);
    const scope = q.scope ?? (q.user ? 'user' : q.domain ? 'domain' : d.scope);
    const target = await this.find(
      scope,
      q.domain ?? (scope === 'domain' ? d.domain : undefined),
      q.user ?? (scope === 'user' && p.role === 'user' ? d.user : undefined),
    );
    return this.check(p, target);
  }

  /** The target owning a stored row (scope, scope id), checked against the caller. */
  async resolveOwner(p: Principal, scope: string, scopeId: string): Promise<ScopeTarget> {
    let target: ScopeTarget | null = null;
    if (scope === 'global') target = { scope: 'global' };
    if (scope === 'domain') {
      const d = await this.users.findDomainById(scopeId);
      if (d) target = { scope: 'domain', domainId: d.id, domain: d.name, tenantId: d.tenantId };
    }
    if (scope === 'user') {
      const u = await this.users.findById(scopeId);
      if (u)
        target = {
          scope: 'user',
          userId: u.id,
          address: u.address,
          domainId: u.domainId,
          tenantId: u.tenantId,
        };
    }
    if (!target) throw new NotFoundException('no such entry');
    return this.check(p, target);
  }

  private check(p: Principal, target: ScopeTarget): ScopeTarget {
    const access = accessTo(p, target);
    if (access.ok) return target;
    if (access.status === 403) throw new ForbiddenException(access.message);
    throw new NotFoundException(access.message);
  }

  private async find(
    scope: ScopeTarget['scope'],
    domain: string | undefined,
    user: string | undefined,
  ): Promise<ScopeTarget> {
    switch (scope) {
      case 'global':
        if (domain || user) throw new BadRequestException('scope "global" takes no domain or user');
        return { scope: 'global' };
      case 'domain': {
        if (!domain) throw new BadRequestException('domain: is required for scope "domain"');
        const d = await this.users.findDomainByName(domain);
        if (!d) throw new NotFoundException(`no domain ${domain} served here`);
        return { scope: 'domain', domainId: d.id, domain: d.name, tenantId: d.tenantId };
      }
      case 'user': {
        if (!user) throw new BadRequestException('user: is required for scope "user"');
        const u = await this.users.findByAddress(user);
        if (!u) throw new NotFoundException(`no user ${user}`);
        return {
          scope: 'user',
          userId: u.id,
          address: u.address,
          domainId: u.domainId,
          tenantId: u.tenantId,
        };
      }
    }
  }
}
