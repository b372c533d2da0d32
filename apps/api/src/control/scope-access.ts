import { mayActFor, type Principal } from '../guards/principal';

/**
 * Which lists and policies a caller may read and change, pure. A scope names whose layer it is: the global one
 * (operators), a domain's (its domain admins, operators) or a user's (the user, their domain's admins, operators).
 * Tenancy is part of every rule: a domain admin's key belongs to one tenant and one domain.
 */
export type ScopeTarget =
  | { readonly scope: 'global' }
  | {
      readonly scope: 'domain';
      readonly domainId: string;
      readonly domain: string;
      readonly tenantId: string;
    }
  | {
      readonly scope: 'user';
      readonly userId: string;
      readonly address: string;
      readonly domainId: string;
      readonly tenantId: string;
    };

export type ScopeName = ScopeTarget['scope'];
export const SCOPE_NAMES = ['global', 'domain', 'user'] as const satisfies readonly ScopeName[];

export type Access =
  { readonly ok: true } | { readonly ok: false; readonly status: 403 | 404; readonly message: string };

const ok: Access = { ok: true };

/**
 * May `p` read and change `target`'s list or policy? A caller outside the target's tenant or domain is told the
 * target does not exist (404: another tenant's users and domains are not theirs to learn about); a caller whose role
 * cannot reach that scope at all is refused (403).
 */
export function accessTo(p: Principal, target: ScopeTarget): Access {
  switch (target.scope) {
    case 'global':
      return p.role === 'operator'
        ? ok
        : { ok: false, status: 403, message: 'the global scope is for operators' };
    case 'domain':
      if (p.role === 'operator') return ok;
      if (p.role === 'user')
        return { ok: false, status: 403, message: "a domain's lists and policy are for its domain admins" };
      return p.domain === target.domain && p.tenantId === target.tenantId
        ? ok
        : { ok: false, status: 404, message: `no domain ${target.domain} in your administration` };
    case 'user':
      return mayActFor(p, { userId: target.userId, tenantId: target.tenantId, address: target.address })
        ? ok
        : { ok: false, status: 404, message: `no user ${target.address} in your administration` };
  }
}

/** The scope a caller means when they name none: their own mailbox (users), their domain (admins), global. */
export function defaultScope(p: Principal): {
  readonly scope: ScopeName;
  readonly domain?: string;
  readonly user?: string;
} {
  switch (p.role) {
    case 'user':
      return p.address ? { scope: 'user', user: p.address } : { scope: 'user' };
    case 'domain_admin':
      return p.domain ? { scope: 'domain', domain: p.domain } : { scope: 'domain' };
    case 'operator':
      return { scope: 'global' };
    case 'mailbox_service':
      // Owns no mailbox (the guard keeps it on the marking routes): a user scope without a user, which nothing grants.
      return { scope: 'user' };
  }
}

/** The tenant whose data a target is (audit rows); null for global. */
export function tenantOf(target: ScopeTarget): string | null {
  return target.scope === 'global' ? null : target.tenantId;
}

/** A readable name of the target ("global", "domain example.net", "user bob@example.net"). */
export function describeTarget(target: ScopeTarget): string {
  switch (target.scope) {
    case 'global':
      return 'global';
    case 'domain':
      return `domain ${target.domain}`;
    case 'user':
      return `user ${target.address}`;
  }
}
