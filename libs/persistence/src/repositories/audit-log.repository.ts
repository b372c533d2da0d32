import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLogEntity, type AuditSubject } from '../entities/audit-log.entity';
import { runWrite } from '../transactions';

export interface NewAuditEntry {
  readonly actor: string;
  readonly actorRole: string;
  /** The tenant whose data changed; null for global changes (global lists, the global policy, AUP rules). */
  readonly tenantId: string | null;
  readonly subject: AuditSubject;
  readonly subjectId: string;
  readonly action: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly reason?: string | null;
  readonly at?: Date;
}

export interface AuditSearch {
  readonly actor?: string;
  readonly tenantId?: string;
  readonly subject?: AuditSubject;
  readonly subjectId?: string;
  readonly action?: string;
  readonly from?: Date;
  readonly to?: Date;
  readonly limit: number;
  readonly offset: number;
}

/**
 * The audit log: append and search, nothing else (the database refuses UPDATE and DELETE on audit_log). `append`
 * takes the caller's transaction when the change has one, so a change and its audit row commit together.
 */
@Injectable()
export class AuditLogRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async append(manager: EntityManager | null, entry: NewAuditEntry): Promise<AuditLogEntity> {
    const row = new AuditLogEntity();
    Object.assign(row, {
      at: entry.at ?? new Date(),
      actor: entry.actor.slice(0, 320),
      actorRole: entry.actorRole,
      tenantId: entry.tenantId,
      subject: entry.subject,
      subjectId: entry.subjectId.slice(0, 320),
      action: entry.action,
      before: entry.before ?? null,
      after: entry.after ?? null,
      reason: entry.reason ?? null,
    });
    const insert = (m: EntityManager) => m.getRepository(AuditLogEntity).save(row);
    return manager ? insert(manager) : runWrite(this.dataSource, insert);
  }

  /** Newest first. */
  search(q: AuditSearch): Promise<AuditLogEntity[]> {
    const qb = this.dataSource.getRepository(AuditLogEntity).createQueryBuilder('a');
    if (q.actor) qb.andWhere('a.actor = :actor', { actor: q.actor });
    if (q.tenantId) qb.andWhere('a.tenant_id = :tenantId', { tenantId: q.tenantId });
    if (q.subject) qb.andWhere('a.subject = :subject', { subject: q.subject });
    if (q.subjectId) qb.andWhere('a.subject_id = :subjectId', { subjectId: q.subjectId });
    if (q.action) qb.andWhere('a.action = :action', { action: q.action });
    if (q.from) qb.andWhere('a.at >= :from', { from: q.from });
    if (q.to) qb.andWhere('a.at < :to', { to: q.to });
    return qb
      .orderBy('a.at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .take(Math.max(1, Math.min(1000, q.limit)))
      .skip(q.offset)
      .getMany();
  }
}
