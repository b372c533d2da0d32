import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import {
  DelistRequestRepository,
  ScanRecordRepository,
  UserRepository,
  type DelistApprovalEffect,
  type DelistDecisionResult,
  type DelistRequestEntity,
  type ListEntryEntity,
} from '@spamfilter/persistence';
import { API_APP_CONFIG } from '../api-config.token';
import { ControlChanges } from '../control/control-changes';
import type { Principal } from '../guards/principal';
import { actorOf } from './operator-actor';
import { OperatorNotices } from './operator-notices';
import { listEntryView, type ListEntryView } from './operator-lists.service';
import type { DelistApproveBody, DelistListQuery } from './operator.dto';
import {
  allowedSender,
  allowExpiry,
  outboundAccountOf,
  refusedRecipient,
  requirementFor,
  senderDomainOf,
  type Picked,
} from './review-approval';

export interface DelistRequestView {
  readonly id: string;
  readonly reference: string;
  readonly requesterEmail: string;
  readonly message: string;
  readonly status: string;
  readonly createdAt: string;
  readonly reviewedBy: string | null;
  readonly reviewedAt: string | null;
  readonly decisionNote: string | null;
  readonly allowEntryId: string | null;
}

function view(r: DelistRequestEntity): DelistRequestView {
  return {
    id: r.id,
    reference: r.reference,
    requesterEmail: r.requesterEmail,
    message: r.message,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    reviewedBy: r.reviewedBy,
    reviewedAt: r.reviewedAt?.toISOString() ?? null,
    decisionNote: r.decisionNote,
    allowEntryId: r.allowEntryId,
  };
}

/** An approval's outcome: the inbound allow entry it added, or the outbound account it was noted on. */
export interface DelistApprovalView {
  readonly request: DelistRequestView;
  /** With `user`: the recipient a user-scoped entry is for. */
  readonly allowEntry: (ListEntryView & { readonly user: string | null }) | null;
  /** An outbound refusal's review: the account whose audit trail got the note, and where to review it. */
  readonly outboundAccount: { readonly address: string; readonly review: string } | null;
}

/**
 * The review queue of the public page's requests. Approving applies, in the transaction of the decision:
 * - an inbound refusal: an inbound allow entry for the refused recipient's user (or, when the operator says so, its
 *   domain) — never global — expiring after DELIST_ALLOW_DAYS or sooner; for a sender in a domain we host it requires
 *   an aligned DMARC or SPF pass (anyone can write our customers' addresses);
 * - an outbound refusal: no list entry (an inbound allow for our own customer's address is what let forged phishing
 *   in), but a note in the sending account's audit trail, where the outbound account review shows it.
 */
@Injectable()
export class DelistRequestsService {
  constructor(
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
    @Inject(DelistRequestRepository) private readonly requests: DelistRequestRepository,
    @Inject(ScanRecordRepository) private readonly scans: ScanRecordRepository,
    @Inject(UserRepository) private readonly users: UserRepository,
    @Inject(OperatorNotices) private readonly notices: OperatorNotices,
    @Inject(ControlChanges) private readonly changes: ControlChanges,
  ) {}

  async list(q: DelistListQuery): Promise<DelistRequestView[]> {
    return (await this.requests.list(q.status, q.limit, q.offset)).map(view);
  }

  async approve(
    id: string,
    body: DelistApproveBody,
    p: Principal,
    now = new Date(),
  ): Promise<DelistApprovalView> {
    const out = await this.approveAs(id, body, actorOf(p), now);
    const entry = out.allowEntry;
    await this.changes.record(
      p,
      {
        tenantId: null,
        subject: 'delist_request',
        subjectId: id,
        action: 'approve',
        before: { status: 'pending' },
        after: { status: 'approved', allowEntry: entry, outboundAccount: out.outboundAccount },
        reason: body.note ?? null,
      },
      entry
        ? {
            kind: 'lists',
            userId: null,
            payload: {
              added: { id: entry.id, kind: entry.kind, matchType: entry.matchType, value: entry.value },
            },
          }
        : undefined,
      now,
    );
    return out;
  }

  private async approveAs(
    id: string,
    body: DelistApproveBody,
    reviewer: string,
    now: Date,
  ): Promise<DelistApprovalView> {
    const request = await this.requests.get(id);
    if (!request) throw new NotFoundException(`no delisting request ${id}`);
    if (request.status !== 'pending')
      throw new ConflictException(`request ${id} was ${request.status} already`);
    const found = await this.scans.findByReference({ kind: 'operator' }, request.reference);
    // Without the logged message there is no recipient to scope an entry to, nor a direction to tell the two flows
    // apart: the operator adds an entry by hand (lists API) if one is due.
    if (!found)
      throw new ConflictException(
        'the refused message is no longer in the message log: reject the request, or add a list entry by hand',
      );
    const scan = { ...found.record, recipients: found.recipients };
    const note = body.note ?? null;

    if (scan.direction === 'outbound') {
      if (body.scope || body.recipient || body.matchType || body.expiresInDays)
        throw new BadRequestException(
          'an outbound refusal is reviewed with its sending account: no list entry, so no scope, recipient, matchType or expiry',
        );
      const account = outboundAccountOf(scan);
      if (!account) throw new ConflictException('the refused message names no sending account');
      const reason = `review ${id} of refused message ${request.reference} approved${note ? `: ${note}` : ''}`;
      const result = this.decided(
        id,
        await this.requests.approve(id, {
          reviewer,
          note,
          effect: { kind: 'outbound_account_note', account, reason },
          at: now,
        }),
      );
      await this.notices.publish(
        'outbound_review_approved',
        account,
        { requestId: id, reference: request.reference, actor: reviewer },
        now,
      );
      return {
        request: view(result.request),
        allowEntry: null,
        outboundAccount: {
          address: account,
          review: `/v1/operator/outbound/accounts/${encodeURIComponent(account)}`,
        },
      };
    }

    const recipient = must(refusedRecipient(scan, body.recipient));
    const owner = (await this.users.resolveRecipients([recipient])).get(recipient) ?? null;
    const scopeKind = body.scope ?? 'user';
    let scope: Extract<DelistApprovalEffect, { kind: 'inbound_allow' }>['scope'];
    if (scopeKind === 'user') {
      if (!owner?.userId)
        throw new ConflictException(`${recipient} has no user account here: approve with scope "domain"`);
      scope = { kind: 'user', userId: owner.userId };
    } else {
      if (!owner) throw new ConflictException(`the domain of ${recipient} is not served here`);
      scope = { kind: 'domain', domainId: owner.domainId };
    }
    const sender = allowedSender(scan, body);
    const senderDomain = senderDomainOf(sender.matchType, sender.value);
    const requires = requirementFor(senderDomain ? await this.users.hostedDomainsCovering(senderDomain) : []);
    const expiresAt = must(allowExpiry(now, this.config.outbound.delistAllowDays, body.expiresInDays));
    const result = this.decided(
      id,
      await this.requests.approve(id, {
        reviewer,
        note,
        effect: { kind: 'inbound_allow', scope, ...sender, expiresAt, requires },
        at: now,
      }),
    );
    const entry = result.allowEntry as ListEntryEntity;
    const domainOf = (a: string): string => a.slice(a.lastIndexOf('@') + 1);
    return {
      request: view(result.request),
      allowEntry: {
        ...listEntryView(entry, scope.kind === 'domain' ? domainOf(recipient) : null),
        user: scope.kind === 'user' ? recipient : null,
      },
      outboundAccount: null,
    };
  }

  async reject(id: string, note: string | null, p: Principal): Promise<DelistRequestView> {
    const decided = view(this.decided(id, await this.requests.reject(id, actorOf(p), note)).request);
    await this.changes.record(p, {
      tenantId: null,
      subject: 'delist_request',
      subjectId: id,
      action: 'reject',
      before: { status: 'pending' },
      after: { status: 'rejected' },
      reason: note,
    });
    return decided;
  }

  private decided(id: string, result: DelistDecisionResult): Extract<DelistDecisionResult, { ok: true }> {
    if (result.ok) return result;
    if (result.reason === 'not-found') throw new NotFoundException(`no delisting request ${id}`);
    throw new ConflictException(`request ${id} was decided already`);
  }
}

function must<T>(picked: Picked<T>): T {
  if (picked.ok) return picked.value;
  throw picked.problem.status === 400
    ? new BadRequestException(picked.problem.message)
    : new ConflictException(picked.problem.message);
}
