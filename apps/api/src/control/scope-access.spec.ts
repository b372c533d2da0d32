import type { Principal } from '../guards/principal';
import { accessTo, defaultScope, type ScopeTarget } from './scope-access';

const principal = (over: Partial<Principal>): Principal => ({
  keyId: 'k',
  keyPrefix: 'p',
  role: 'user',
  userId: 'u-bob',
  tenantId: 't-a',
  address: 'bob@a.example',
  domain: 'a.example',
  ...over,
});
const bob: ScopeTarget = {
  scope: 'user',
  userId: 'u-bob',
  address: 'bob@a.example',
  domainId: 'd-a',
  tenantId: 't-a',
};
const carol: ScopeTarget = {
  scope: 'user',
  userId: 'u-carol',
  address: 'carol@a.example',
  domainId: 'd-a',
  tenantId: 't-a',
};
const dave: ScopeTarget = {
  scope: 'user',
  userId: 'u-dave',
  address: 'dave@b.example',
  domainId: 'd-b',
  tenantId: 't-b',
};
const domainA: ScopeTarget = { scope: 'domain', domainId: 'd-a', domain: 'a.example', tenantId: 't-a' };
const domainB: ScopeTarget = { scope: 'domain', domainId: 'd-b', domain: 'b.example', tenantId: 't-b' };
const global: ScopeTarget = { scope: 'global' };

describe('accessTo', () => {
  it('a user reaches their own scope only', () => {
    const p = principal({});
    expect(accessTo(p, bob)).toEqual({ ok: true });
    expect(accessTo(p, carol)).toMatchObject({ ok: false, status: 404 });
    expect(accessTo(p, domainA)).toMatchObject({ ok: false, status: 403 });
    expect(accessTo(p, global)).toMatchObject({ ok: false, status: 403 });
  });

  it("a domain admin reaches their domain and its users, never another tenant's", () => {
    const p = principal({ role: 'domain_admin' });
    expect(accessTo(p, domainA)).toEqual({ ok: true });
    expect(accessTo(p, carol)).toEqual({ ok: true });
    expect(accessTo(p, domainB)).toMatchObject({ ok: false, status: 404 });
    expect(accessTo(p, dave)).toMatchObject({ ok: false, status: 404 });
    expect(accessTo(p, global)).toMatchObject({ ok: false, status: 403 });
    // the same domain name under another tenant's key is not theirs
    expect(accessTo(principal({ role: 'domain_admin', tenantId: 't-b' }), domainA)).toMatchObject({
      ok: false,
      status: 404,
    });
  });

  it('an operator reaches every scope', () => {
    const p = principal({ role: 'operator', userId: null, address: null, domain: null });
    for (const t of [bob, dave, domainA, domainB, global]) expect(accessTo(p, t)).toEqual({ ok: true });
  });

  it("defaults to the caller's own scope", () => {
    expect(defaultScope(principal({}))).toEqual({ scope: 'user', user: 'bob@a.example' });
    expect(defaultScope(principal({ role: 'domain_admin' }))).toEqual({
      scope: 'domain',
      domain: 'a.example',
    });
    expect(defaultScope(principal({ role: 'operator' }))).toEqual({ scope: 'global' });
  });
});
