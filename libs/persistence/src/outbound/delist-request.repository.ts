import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, MoreThanOrEqual } from 'typeorm';
import { DelistRequestEntity, type DelistStatus } from '../entities/delist-request.entity';
import { ListEntryEntity, type ListMatchType, type ListRequirement } from '../entities/list-entry.entity';
import { OutboundAuditEntity } from '../entities/outbound-audit.entity';
import { runInTransaction } from '../transactions';

export interface NewDelistRequest {
  readonly reference: string;
  readonly requesterEmail: string;
  readonly message: string;
}

/**
 * What an approval does besides deciding, in the same transaction. A review of an inbound refusal adds an inbound
 * allow entry scoped to the refused recipient's user or domain (never global: the types have no such scope) with an
 * expiry; a review of an outbound refusal adds a note to the sending account's audit trail, where the outbound
 * account review (standing, block/unblock) picks it up, and no list entry.
 */
export type DelistApprovalEffect =
  | {
      readonly kind: 'inbound_allow';
      readonly scope:
        | { readonly kind: 'user'; readonly userId: string }
        | { readonly kind: 'domain'; readonly domainId: string };
      readonly matchType: ListMatchType;
      readonly value: string;
      readonly expiresAt: Date;
      readonly requires: ListRequirement | null;
    }
  | { readonly kind: 'outbound_account_note'; readonly account: string; readonly reason: string };

export interface DelistApproval {
  readonly reviewer: string;
  readonly note: string | null;
  readonly effect: DelistApprovalEffect;
  readonly at?: Date;
}

export type DelistDecisionResult =
  | {
      readonly ok: true;
      readonly request: DelistRequestEntity;
      readonly allowEntry: ListEntryEntity | null;
      readonly accountNote: OutboundAuditEntity | null;
    }
  | { readonly ok: false; readonly reason: 'not-found' | 'already-decided' };

/** The queue of allow-list / delisting requests from the public page. */
@Injectable()
export class DelistRequestRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async add(input: NewDelistRequest, at = new Date()): Promise<DelistRequestEntity> {
    const row: DelistRequestEntity = {
      id: randomUUID(),
      reference: input.reference,
      requesterEmail: input.requesterEmail.toLowerCase(),
      message: input.message,
      status: 'pending',
      createdAt: at,
      reviewedBy: null,
      reviewedAt: null,
      decisionNote: null,
      allowEntryId: null,
    };
    await this.dataSource.getRepository(DelistRequestEntity).insert(row);
    return row;
  }

  /** Pending requests for one reference since `since` (the public page refuses piling up duplicates). */
  countPendingFor(reference: string, since: Date): Promise<number> {
    return this.dataSource
      .getRepository(DelistRequestEntity)
      .countBy({ reference, status: 'pending', createdAt: MoreThanOrEqual(since) });
  }

  get(id: string): Promise<DelistRequestEntity | null> {
    return this.dataSource.getRepository(DelistRequestEntity).findOneBy({ id });
  }

  list(status: DelistStatus | undefined, limit = 100, offset = 0): Promise<DelistRequestEntity[]> {
    return this.dataSource.getRepository(DelistRequestEntity).find({
      where: status ? { status } : {},
      order: { createdAt: status === 'pending' ? 'ASC' : 'DESC' },
      take: Math.max(1, Math.min(500, limit)),
      skip: offset,
    });
  }

  /** Approves a pending request and applies its effect (allow entry or account note) in one transaction. */
  approve(id: string, a: DelistApproval): Promise<DelistDecisionResult> {
    const at = a.at ?? new Date();
    const e = a.effect;
    return runInTransaction(this.dataSource, async (m) => {
      const entry: ListEntryEntity | null =
        e.kind === 'inbound_allow'
          ? {
              id: randomUUID(),
              scope: e.scope.kind,
              scopeId: e.scope.kind === 'user' ? e.scope.userId : e.scope.domainId,
              kind: 'allow',
              matchType: e.matchType,
              value: e.value.toLowerCase(),
              direction: 'inbound',
              reason: `delisting request ${id}${a.note ? `: ${a.note}` : ''}`.slice(0, 1000),
              createdBy: a.reviewer,
              createdAt: at,
              expiresAt: e.expiresAt,
              requires: e.requires,
            }
          : null;
      const decided = await m
        .createQueryBuilder()
        .update(DelistRequestEntity)
        .set({
          status: 'approved',
          reviewedBy: a.reviewer,
          reviewedAt: at,
          decisionNote: a.note,
          allowEntryId: entry?.id ?? null,
        })
        .where(`id = :id AND status = 'pending'`, { id })
        .execute();
      if ((decided.affected ?? 0) === 0) {
        const exists = await m.getRepository(DelistRequestEntity).existsBy({ id });
        return { ok: false, reason: exists ? 'already-decided' : 'not-found' };
      }
      let accountNote: OutboundAuditEntity | null = null;
      if (entry) await m.getRepository(ListEntryEntity).insert(entry);
      if (e.kind === 'outbound_account_note') {
        accountNote = m.getRepository(OutboundAuditEntity).create({
          account: e.account.toLowerCase(),
          action: 'note',
          actor: a.reviewer,
          reason: e.reason.slice(0, 1000),
          at,
        });
        await m.getRepository(OutboundAuditEntity).insert(accountNote);
      }
      const request = await m.getRepository(DelistRequestEntity).findOneByOrFail({ id });
      return { ok: true, request, allowEntry: entry, accountNote };
    });
  }

  async reject(
    id: string,
    reviewer: string,
    note: string | null,
    at = new Date(),
  ): Promise<DelistDecisionResult> {
    const r = await this.dataSource
      .createQueryBuilder()
      .update(DelistRequestEntity)
      .set({ status: 'rejected', reviewedBy: reviewer, reviewedAt: at, decisionNote: note })
      .where(`id = :id AND status = 'pending'`, { id })
      .execute();
    const request = await this.get(id);
    if (!request) return { ok: false, reason: 'not-found' };
    if ((r.affected ?? 0) === 0) return { ok: false, reason: 'already-decided' };
    return { ok: true, request, allowEntry: null, accountNote: null };
  }
}
