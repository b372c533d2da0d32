import { mayActFor, type Principal } from './principal';

const base: Principal = {
  keyId: 'k1',
  keyPrefix: 'aaaaaaaa',
  role: 'user',
  userId: 'u1',
  tenantId: 't1',
  address: 'alice@example.org',
  domain: 'example.org',
};
const alice = { userId: 'u1', tenantId: 't1', address: 'alice@example.org' };
const bob = { userId: 'u2', tenantId: 't1', address: 'bob@example.org' };
const carol = { userId: 'u3', tenantId: 't1', address: 'carol@other.example' };
const dave = { userId: 'u4', tenantId: 't2', address: 'dave@example.org' };

describe('mayActFor', () => {
  it('lets a user act on their own mail only', () => {
    expect(mayActFor(base, alice)).toBe(true);
    expect(mayActFor(base, bob)).toBe(false);
    expect(mayActFor(base, carol)).toBe(false);
  });

  it('lets a domain admin act within their domain and tenant only', () => {
    const admin: Principal = { ...base, role: 'domain_admin' };
    expect(mayActFor(admin, alice)).toBe(true);
    expect(mayActFor(admin, bob)).toBe(true);
    expect(mayActFor(admin, carol)).toBe(false);
    expect(mayActFor(admin, dave)).toBe(false);
  });

  it('lets an operator act on everything', () => {
    const op: Principal = { ...base, role: 'operator' };
    for (const owner of [alice, bob, carol, dave]) expect(mayActFor(op, owner)).toBe(true);
  });
});

describe('mayActFor without a mailbox or domain', () => {
  it('never matches a user key without a user or an admin key without a domain', () => {
    expect(mayActFor({ ...base, userId: null }, alice)).toBe(false);
    expect(mayActFor({ ...base, role: 'domain_admin', domain: null }, alice)).toBe(false);
  });
});

describe('mayActFor a mailbox service key (a mail store reporting Junk moves)', () => {
  const service: Principal = { ...base, role: 'mailbox_service', userId: null, address: null };

  it('acts for the users of its domain in its tenant only', () => {
    expect(mayActFor(service, alice)).toBe(true);
    expect(mayActFor(service, bob)).toBe(true);
    expect(mayActFor(service, carol)).toBe(false);
    expect(mayActFor(service, dave)).toBe(false);
  });

  it('without a domain, acts for every domain of its tenant and no other tenant', () => {
    const tenantWide: Principal = { ...service, domain: null };
    expect(mayActFor(tenantWide, alice)).toBe(true);
    expect(mayActFor(tenantWide, carol)).toBe(true);
    expect(mayActFor(tenantWide, dave)).toBe(false);
  });
});
