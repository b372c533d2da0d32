import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AupCondition, AupRule, AupRuleSpec } from '@spamfilter/domain';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AupRuleEntity } from '../entities/aup-rule.entity';

/** The rule document stored in aup_rule.rule (name, description and enabled have their own columns). */
interface StoredRule {
  readonly score: number;
  readonly conditions: readonly AupCondition[];
}

export interface StoredAupRule extends AupRule {
  readonly version: number;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type AupWriteResult =
  | { readonly ok: true; readonly rule: StoredAupRule }
  | { readonly ok: false; readonly reason: 'not-found' | 'version-conflict' | 'name-taken' };

function toRule(e: AupRuleEntity): StoredAupRule {
  const doc = e.rule as StoredRule;
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    enabled: e.enabled,
    score: doc.score,
    conditions: doc.conditions,
    version: e.version,
    createdBy: e.createdBy,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

/** AUP rules. Callers validate specs (parseAupRuleSpec) before writing; this stores them as given. */
@Injectable()
export class AupRuleRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async list(): Promise<StoredAupRule[]> {
    return (await this.dataSource.getRepository(AupRuleEntity).find({ order: { name: 'ASC' } })).map(toRule);
  }

  async listEnabled(): Promise<StoredAupRule[]> {
    return (
      await this.dataSource
        .getRepository(AupRuleEntity)
        .find({ where: { enabled: true }, order: { name: 'ASC' } })
    ).map(toRule);
  }

  async get(id: string): Promise<StoredAupRule | null> {
    const e = await this.dataSource.getRepository(AupRuleEntity).findOneBy({ id });
    return e ? toRule(e) : null;
  }

  async create(spec: AupRuleSpec, actor: string, at = new Date()): Promise<AupWriteResult> {
    const repo = this.dataSource.getRepository(AupRuleEntity);
    if (await repo.existsBy({ name: spec.name })) return { ok: false, reason: 'name-taken' };
    const e: AupRuleEntity = {
      id: randomUUID(),
      name: spec.name,
      description: spec.description,
      rule: { score: spec.score, conditions: spec.conditions } satisfies StoredRule,
      enabled: spec.enabled,
      createdBy: actor,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    await repo.insert(e as QueryDeepPartialEntity<AupRuleEntity>);
    return { ok: true, rule: toRule(e) };
  }

  /** Replaces a rule if the caller saw the current version (optimistic concurrency). */
  async update(
    id: string,
    expectedVersion: number,
    spec: AupRuleSpec,
    at = new Date(),
  ): Promise<AupWriteResult> {
    const repo = this.dataSource.getRepository(AupRuleEntity);
    const current = await repo.findOneBy({ id });
    if (!current) return { ok: false, reason: 'not-found' };
    if (spec.name !== current.name && (await repo.existsBy({ name: spec.name })))
      return { ok: false, reason: 'name-taken' };
    const result = await repo
      .createQueryBuilder()
      .update(AupRuleEntity)
      .set({
        name: spec.name,
        description: spec.description,
        enabled: spec.enabled,
        rule: { score: spec.score, conditions: spec.conditions } satisfies StoredRule,
        updatedAt: at,
        version: expectedVersion + 1,
      })
      .where('id = :id AND version = :expectedVersion', { id, expectedVersion })
      .execute();
    if ((result.affected ?? 0) === 0) return { ok: false, reason: 'version-conflict' };
    const updated = await repo.findOneBy({ id });
    return updated ? { ok: true, rule: toRule(updated) } : { ok: false, reason: 'not-found' };
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.dataSource.getRepository(AupRuleEntity).delete({ id });
    return (r.affected ?? 0) > 0;
  }
}
