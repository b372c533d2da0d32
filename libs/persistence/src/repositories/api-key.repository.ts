import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { runWrite } from '../transactions';
import { DataSource, IsNull } from 'typeorm';
import { ApiKeyEntity, type ApiKeyRole } from '../entities/api-key.entity';

/** SHA-256 (hex) of a key's secret; the secrets are long random strings, so no password stretching is needed. */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export interface NewApiKey {
  readonly tenantId: string;
  readonly role: ApiKeyRole;
  readonly keyPrefix: string;
  /** The clear secret; only its hash is stored. */
  readonly secret: string;
  readonly userId?: string | null;
  readonly domainId?: string | null;
  readonly label?: string | null;
}

/** Don't write last_used_at more often than this per key: a busy key would otherwise write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

@Injectable()
export class ApiKeyRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** The key with this prefix unless it is revoked. The caller compares the secret's hash (constant time). */
  findActiveByPrefix(keyPrefix: string): Promise<ApiKeyEntity | null> {
    return this.dataSource.getRepository(ApiKeyEntity).findOneBy({ keyPrefix, revokedAt: IsNull() });
  }

  async create(input: NewApiKey, at = new Date()): Promise<ApiKeyEntity> {
    const key: ApiKeyEntity = {
      id: randomUUID(),
      keyPrefix: input.keyPrefix,
      secretHash: hashApiKeySecret(input.secret),
      role: input.role,
      label: input.label ?? null,
      userId: input.userId ?? null,
      tenantId: input.tenantId,
      domainId: input.domainId ?? null,
      createdAt: at,
      lastUsedAt: null,
      revokedAt: null,
    };
    await runWrite(this.dataSource, (m) => m.getRepository(ApiKeyEntity).insert(key));
    return key;
  }

  /** Records use; at most one write per key per minute. Returns whether a write happened. */
  async touchLastUsed(id: string, at = new Date()): Promise<boolean> {
    const result = await runWrite(this.dataSource, (m) =>
      m
        .createQueryBuilder()
        .update(ApiKeyEntity)
        .set({ lastUsedAt: at })
        .where('id = :id', { id })
        .andWhere('(last_used_at IS NULL OR last_used_at < :threshold)', {
          threshold: new Date(at.getTime() - TOUCH_INTERVAL_MS),
        })
        .execute(),
    );
    return (result.affected ?? 0) > 0;
  }

  /** Revokes a key of this tenant; false when the tenant has no such active key. */
  async revoke(tenantId: string, id: string, at = new Date()): Promise<boolean> {
    const result = await runWrite(this.dataSource, (m) =>
      m.getRepository(ApiKeyEntity).update({ id, tenantId, revokedAt: IsNull() }, { revokedAt: at }),
    );
    return (result.affected ?? 0) > 0;
  }

  listForTenant(tenantId: string): Promise<ApiKeyEntity[]> {
    return this.dataSource
      .getRepository(ApiKeyEntity)
      .find({ where: { tenantId }, order: { createdAt: 'ASC' } });
  }
}
