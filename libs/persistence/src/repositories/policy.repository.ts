import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { GLOBAL_SCOPE_ID, PolicyEntity, type PolicyScope } from '../entities/policy.entity';
import { UserAccountEntity } from '../entities/user-account.entity';
import { queryRows, runWrite } from '../transactions';

/** Names one policy layer. Global has no owner id; the row uses GLOBAL_SCOPE_ID. */
export type PolicyOwner =
  | { readonly scope: 'global' }
  | { readonly scope: 'domain'; readonly domainId: string }
  | { readonly scope: 'user'; readonly userId: string };

export function policyScopeId(owner: PolicyOwner): string {
  switch (owner.scope) {
    case 'global':
      return GLOBAL_SCOPE_ID;
    case 'domain':
      return owner.domainId;
    case 'user':
      return owner.userId;
  }
}

export interface PolicyLayers {
  readonly global: PolicyEntity | null;
  readonly domain: PolicyEntity | null;
  readonly user: PolicyEntity | null;
}

export type PolicyUpsertResult =
  | { readonly ok: true; readonly policy: PolicyEntity }
  | { readonly ok: false; readonly currentVersion: number };

@Injectable()
export class PolicyRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  get(owner: PolicyOwner): Promise<PolicyEntity | null> {
    return this.dataSource
      .getRepository(PolicyEntity)
      .findOneBy({ scope: owner.scope, scopeId: policyScopeId(owner) });
  }

  /** The stored layers that apply to one user (global, the user's domain, the user), in one query. */
  async layersForUser(userId: string): Promise<PolicyLayers> {
    const rows = await this.dataSource
      .getRepository(PolicyEntity)
      .createQueryBuilder('p')
      .where(`p.scope = 'global' AND p.scope_id = :global`, { global: GLOBAL_SCOPE_ID })
      .orWhere(
        `p.scope = 'domain' AND p.scope_id IN (${this.dataSource
          .createQueryBuilder()
          .subQuery()
          .select('u.domain_id')
          .from(UserAccountEntity, 'u')
          .where('u.id = :userId')
          .getQuery()})`,
      )
      .orWhere(`p.scope = 'user' AND p.scope_id = :userId`)
      .setParameters({ userId })
      .getMany();
    const find = (scope: PolicyScope): PolicyEntity | null => rows.find((r) => r.scope === scope) ?? null;
    return { global: find('global'), domain: find('domain'), user: find('user') };
  }

  /**
   * Writes a layer if the caller saw the current version (optimistic concurrency): `expectedVersion` 0 creates it,
   * n updates version n to n+1. A stale version changes nothing and reports the version now stored.
   */
  async upsert(
    owner: PolicyOwner,
    document: unknown,
    expectedVersion: number,
    updatedBy: string,
    at = new Date(),
  ): Promise<PolicyUpsertResult> {
    const scopeId = policyScopeId(owner);
    if (expectedVersion === 0) {
      const inserted = await runWrite(this.dataSource, (m) =>
        queryRows(
          m,
          `INSERT INTO policy (scope, scope_id, document, version, updated_by, updated_at)
           VALUES (:scope, :scopeId, :document, 1, :updatedBy, :at) ON CONFLICT DO NOTHING RETURNING version`,
          { scope: owner.scope, scopeId, document: JSON.stringify(document), updatedBy, at },
        ),
      );
      if (inserted.length === 1)
        return {
          ok: true,
          policy: { scope: owner.scope, scopeId, document, version: 1, updatedBy, updatedAt: at },
        };
    } else {
      const result = await runWrite(this.dataSource, (m) =>
        m
          .createQueryBuilder()
          .update(PolicyEntity)
          .set({ document: document as never, version: expectedVersion + 1, updatedBy, updatedAt: at })
          .where('scope = :scope AND scope_id = :scopeId AND version = :expectedVersion', {
            scope: owner.scope,
            scopeId,
            expectedVersion,
          })
          .execute(),
      );
      if ((result.affected ?? 0) === 1) {
        return {
          ok: true,
          policy: {
            scope: owner.scope,
            scopeId,
            document,
            version: expectedVersion + 1,
            updatedBy,
            updatedAt: at,
          },
        };
      }
    }
    const current = await this.get(owner);
    return { ok: false, currentVersion: current?.version ?? 0 };
  }
}
