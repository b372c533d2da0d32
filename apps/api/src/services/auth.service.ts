import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import {
  ApiKeyEntity,
  ApiKeyRepository,
  DomainEntity,
  TenantEntity,
  UserAccountEntity,
  runInTransaction,
} from '@spamfilter/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { API_APP_CONFIG } from '../api-config.token';
import { domainOf, type Principal } from '../guards/principal';
import { hashSecret, parseApiKey, secretMatches, type ParsedApiKey } from './api-key.codec';

/** The name of the tenant that owns the bootstrap operator key. */
export const OPERATOR_TENANT_NAME = 'operators';

/** Most authenticated keys remembered (API_AUTH_CACHE_MS); beyond it the cache starts over. */
const AUTH_CACHE_MAX = 10_000;

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly log = new Logger(AuthService.name);
  /** Principals of recently authenticated keys, by prefix and secret hash (a wrong secret never hits). */
  private readonly recent = new Map<string, { principal: Principal; until: number }>();
  /** Principals of console sessions' keys, by key id (authenticateKeyId). */
  private readonly recentById = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly db: DataSource,
    private readonly keys: ApiKeyRepository,
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The principal of a presented key, or null when the key is unknown, revoked or its secret is wrong. */
  async authenticate(key: ParsedApiKey, now = Date.now()): Promise<Principal | null> {
    const ttl = this.config.api.authCacheMs;
    if (ttl === 0) return this.lookup(key);
    const cacheKey = `${key.prefix}:${hashSecret(key.secret)}`;
    const hit = this.recent.get(cacheKey);
    if (hit && hit.until > now) return hit.principal;
    const principal = await this.lookup(key);
    if (!principal) {
      this.recent.delete(cacheKey);
      return null;
    }
    if (this.recent.size >= AUTH_CACHE_MAX) this.recent.clear();
    this.recent.set(cacheKey, { principal, until: now + ttl });
    return principal;
  }

  /** Forgets a key at once in this instance (revocation); other instances within API_AUTH_CACHE_MS. */
  forgetKey(keyId: string): void {
    for (const [k, v] of this.recent) if (v.principal.keyId === keyId) this.recent.delete(k);
    this.recentById.delete(keyId);
  }

  /**
   * The principal of a key by its id, for a console session opened with it (the secret was checked at sign-in; the
   * session row holds only the id). Null once the key is revoked or its mailbox removed; cached like authenticate.
   */
  async authenticateKeyId(keyId: string, now = Date.now()): Promise<Principal | null> {
    const ttl = this.config.api.authCacheMs;
    const hit = ttl > 0 ? this.recentById.get(keyId) : undefined;
    if (hit && hit.until > now) return hit.principal;
    const row = await this.db.getRepository(ApiKeyEntity).findOneBy({ id: keyId, revokedAt: IsNull() });
    const principal = row ? await this.principalOf(row) : null;
    if (ttl > 0 && principal) {
      if (this.recentById.size >= AUTH_CACHE_MAX) this.recentById.clear();
      this.recentById.set(keyId, { principal, until: now + ttl });
    } else this.recentById.delete(keyId);
    return principal;
  }

  private async lookup(key: ParsedApiKey): Promise<Principal | null> {
    const row = await this.keys.findActiveByPrefix(key.prefix);
    if (!row || !secretMatches(key.secret, row.secretHash)) return null;
    return this.principalOf(row);
  }

  private async principalOf(row: ApiKeyEntity): Promise<Principal | null> {
    const user = row.userId
      ? await this.db.getRepository(UserAccountEntity).findOneBy({ id: row.userId })
      : null;
    if (row.userId && !user) return null;
    let domain: string | null = user ? domainOf(user.address) : null;
    // A domain admin's or a mailbox service key's domain; a service key without one marks for its whole tenant.
    if (row.role === 'domain_admin' || row.role === 'mailbox_service') {
      const d = row.domainId
        ? await this.db.getRepository(DomainEntity).findOneBy({ id: row.domainId })
        : null;
      // A service key whose domain is gone must not widen to the tenant (the FK cascade deletes it; belt and braces).
      if (row.role === 'mailbox_service' && row.domainId && !d) return null;
      domain = d?.name ?? null;
    }
    return {
      keyId: row.id,
      keyPrefix: row.keyPrefix,
      role: row.role,
      userId: user?.id ?? null,
      tenantId: row.tenantId,
      address: user?.address ?? null,
      domain,
    };
  }

  /** API_BOOTSTRAP_OPERATOR_KEY: ensure the first operator key exists (and follows a rotated secret). */
  async onApplicationBootstrap(): Promise<void> {
    const token = this.config.api.bootstrapOperatorKey;
    if (!token) return;
    const key = parseApiKey(token);
    if (!key) throw new Error('API_BOOTSTRAP_OPERATOR_KEY is not a key of the form sf_<prefix>_<secret>');
    await runInTransaction(this.db, async (m) => {
      const keys = m.getRepository(ApiKeyEntity);
      const existing = await keys.findOneBy({ keyPrefix: key.prefix });
      if (existing) {
        if (existing.role !== 'operator')
          throw new Error('API_BOOTSTRAP_OPERATOR_KEY names a key prefix that is not an operator key');
        if (existing.secretHash !== hashSecret(key.secret) || existing.revokedAt) {
          await keys.update({ id: existing.id }, { secretHash: hashSecret(key.secret), revokedAt: null });
          this.log.log(`bootstrap operator key ${key.prefix} updated`);
        }
        return;
      }
      const tenants = m.getRepository(TenantEntity);
      let tenant = await tenants.findOneBy({ name: OPERATOR_TENANT_NAME });
      if (!tenant) {
        tenant = tenants.create({ id: randomUUID(), name: OPERATOR_TENANT_NAME, createdAt: new Date() });
        await tenants.insert(tenant);
      }
      await keys.insert({
        id: randomUUID(),
        keyPrefix: key.prefix,
        secretHash: hashSecret(key.secret),
        role: 'operator',
        label: 'bootstrap (API_BOOTSTRAP_OPERATOR_KEY)',
        userId: null,
        tenantId: tenant.id,
        domainId: null,
        createdAt: new Date(),
        lastUsedAt: null,
        revokedAt: null,
      });
      this.log.log(`bootstrap operator key ${key.prefix} created`);
    });
  }
}
