import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import { computeStanding, type Standing } from '@spamfilter/domain';
import {
  ComplaintRepository,
  OutboundAccountRepository,
  OutboundStandingRepository,
  type OutboundAccountEntity,
  type OutboundAuditEntity,
} from '@spamfilter/persistence';
import { API_APP_CONFIG } from '../api-config.token';
import { ControlChanges } from '../control/control-changes';
import type { Principal } from '../guards/principal';
import { actorOf } from './operator-actor';
import { OperatorNotices } from './operator-notices';

export interface AccountView {
  readonly address: string;
  readonly tenantId: string;
  readonly status: 'active' | 'blocked';
  readonly blockedAt: string | null;
  readonly blockedReason: string | null;
  readonly standing: Readonly<Record<string, unknown>> | null;
  readonly updatedAt: string;
}

export interface AuditView {
  readonly id: number;
  readonly account: string;
  readonly action: string;
  readonly actor: string;
  readonly reason: string | null;
  readonly at: string;
}

export function accountView(a: OutboundAccountEntity): AccountView {
  return {
    address: a.address,
    tenantId: a.tenantId,
    status: a.status,
    blockedAt: a.blockedAt?.toISOString() ?? null,
    blockedReason: a.blockedReason,
    standing: a.standing,
    updatedAt: a.updatedAt.toISOString(),
  };
}

export function auditView(a: OutboundAuditEntity): AuditView {
  return {
    id: a.id,
    account: a.account,
    action: a.action,
    actor: a.actor,
    reason: a.reason,
    at: a.at.toISOString(),
  };
}

/**
 * Outbound blocks for operators: list, block, unblock — each change with who and why in the append-only audit
 * trail. Standing is computed fresh from the last OUTBOUND_STANDING_WINDOW_DAYS of verdicts and complaints.
 */
@Injectable()
export class OutboundAccountsService {
  constructor(
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
    @Inject(OutboundAccountRepository) private readonly accounts: OutboundAccountRepository,
    @Inject(OutboundStandingRepository) private readonly standingRepo: OutboundStandingRepository,
    @Inject(ComplaintRepository) private readonly complaints: ComplaintRepository,
    @Inject(OperatorNotices) private readonly notices: OperatorNotices,
    @Inject(ControlChanges) private readonly changes: ControlChanges,
  ) {}

  async list(q: { status?: 'active' | 'blocked'; limit: number; offset: number }): Promise<AccountView[]> {
    return (await this.accounts.list(q)).map(accountView);
  }

  async detail(address: string): Promise<{
    account: AccountView | null;
    standing: Standing & { spamVerdicts: number; complaints: number };
    audit: AuditView[];
  }> {
    const account = await this.accounts.find(address);
    const standing = await this.standing(address);
    const audit = (await this.accounts.auditTrail(address)).map(auditView);
    if (!account && audit.length === 0 && standing.spamVerdicts === 0 && standing.complaints === 0)
      throw new NotFoundException(`no outbound account ${address}`);
    return { account: account ? accountView(account) : null, standing, audit };
  }

  async standing(
    address: string,
    now = new Date(),
  ): Promise<Standing & { spamVerdicts: number; complaints: number }> {
    const since = new Date(now.getTime() - this.config.outbound.standingWindowDays * 86_400_000);
    const counts = await this.standingRepo.countsSince(address, since);
    return { ...computeStanding(counts, this.config.outbound.complaintWeight), ...counts };
  }

  /** Recomputes and stores the standing shown in the account list (after a complaint). */
  async refreshStanding(
    address: string,
    now = new Date(),
  ): Promise<Standing & { spamVerdicts: number; complaints: number }> {
    const s = await this.standing(address, now);
    await this.accounts.saveStanding(address, { ...s, computedAt: now.toISOString() }, now);
    return s;
  }

  async block(
    address: string,
    p: Principal,
    reason: string,
  ): Promise<{ account: AccountView; audit: AuditView }> {
    const actor = actorOf(p);
    const r = await this.accounts.block(address, { actor, reason });
    if (!r.changed) throw new ConflictException(`${address} is blocked already`);
    await this.changes.record(p, {
      tenantId: r.account.tenantId === '*' ? null : r.account.tenantId,
      subject: 'outbound_account',
      subjectId: r.account.address,
      action: 'block',
      before: { status: 'active' },
      after: { status: r.account.status },
      reason,
    });
    await this.notices.publish('outbound_account_blocked', r.account.address, {
      actor,
      reason,
      tenantId: r.account.tenantId,
    });
    return { account: accountView(r.account), audit: auditView(r.audit) };
  }

  async unblock(
    address: string,
    p: Principal,
    reason: string,
  ): Promise<{ account: AccountView; audit: AuditView }> {
    const actor = actorOf(p);
    const r = await this.accounts.unblock(address, { actor, reason });
    if (!r.changed) {
      if (!r.account) throw new NotFoundException(`no outbound account ${address}`);
      throw new ConflictException(`${address} is not blocked`);
    }
    await this.changes.record(p, {
      tenantId: r.account.tenantId === '*' ? null : r.account.tenantId,
      subject: 'outbound_account',
      subjectId: r.account.address,
      action: 'unblock',
      before: { status: 'blocked' },
      after: { status: r.account.status },
      reason,
    });
    await this.notices.publish('outbound_account_unblocked', r.account.address, {
      actor,
      reason,
      tenantId: r.account.tenantId,
    });
    return { account: accountView(r.account), audit: auditView(r.audit) };
  }

  async audit(address: string | null, limit: number): Promise<AuditView[]> {
    return (await this.accounts.auditTrail(address, limit)).map(auditView);
  }

  async complaintsOf(
    address: string,
  ): Promise<{ id: number; reference: string | null; feedbackType: string; receivedAt: string }[]> {
    return (await this.complaints.listForAccount(address)).map((c) => ({
      id: c.id,
      reference: c.reference,
      feedbackType: c.feedbackType,
      receivedAt: c.receivedAt.toISOString(),
    }));
  }
}
