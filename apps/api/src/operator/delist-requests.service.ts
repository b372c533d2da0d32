import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import {
  DelistRequestRepository,
  ScanRecordRepository,
  UserRepository,
  type DelistApproval,
  type DelistRequestEntity,
  type ListEntryEntity,
} from '@spamfilter/persistence';
import { API_APP_CONFIG } from '../api-config.token';
import { listEntryView, type ListEntryView } from './operator-lists.service';
import type { DelistApproveBody, DelistListQuery } from './operator.dto';

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

/**
 * The review queue of the public page's requests. Approving adds a scoped allow entry with an expiry, in the same
 * transaction as the decision; by default it allows the refused message's envelope sender (its client IP for a
 * bounce) in the list of the recipients' domain when they share one, else globally, for DELIST_ALLOW_DAYS.
 */
@Injectable()
export class DelistRequestsService {
  constructor(
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
    @Inject(DelistRequestRepository) private readonly requests: DelistRequestRepository,
    @Inject(ScanRecordRepository) private readonly scans: ScanRecordRepository,
    @Inject(UserRepository) private readonly users: UserRepository,
  ) {}

  async list(q: DelistListQuery): Promise<DelistRequestView[]> {
    return (await this.requests.list(q.status, q.limit, q.offset)).map(view);
  }

  async approve(
    id: string,
    body: DelistApproveBody,
    reviewer: string,
    now = new Date(),
  ): Promise<{ request: DelistRequestView; allowEntry: ListEntryView | null }> {
    const request = await this.requests.get(id);
    if (!request) throw new NotFoundException(`no delisting request ${id}`);
    if (request.status !== 'pending')
      throw new ConflictException(`request ${id} was ${request.status} already`);
    const scan = await this.scans.findByReference({ kind: 'operator' }, request.reference);
    let scope: DelistApproval['scope'] = { kind: 'global' };
    let domainName: string | null = null;
    if (body.scope === 'domain' && body.domain) {
      const d = await this.users.findDomainByName(body.domain);
      if (!d) throw new NotFoundException(`no domain ${body.domain} served here`);
      scope = { kind: 'domain', domainId: d.id };
      domainName = d.name;
    } else if (body.scope === undefined && scan) {
      const domainIds = [...new Set(scan.recipients.map((r) => r.domainId))];
      if (domainIds.length === 1 && domainIds[0] !== null) {
        scope = { kind: 'domain', domainId: domainIds[0] };
        domainName = scan.recipients[0].recipient.slice(scan.recipients[0].recipient.lastIndexOf('@') + 1);
      }
    }
    let matchType = body.matchType;
    let value = body.value;
    if (!matchType || !value) {
      if (!scan)
        throw new ConflictException('the refused message is no longer in the log: give matchType and value');
      [matchType, value] = scan.record.mailFrom
        ? ['address', scan.record.mailFrom.toLowerCase()]
        : ['ip', scan.record.clientIp];
    }
    const days = body.expiresInDays ?? this.config.outbound.delistAllowDays;
    const result = await this.requests.approve(id, {
      reviewer,
      note: body.note ?? null,
      scope,
      matchType,
      value,
      expiresAt: new Date(now.getTime() + days * 86_400_000),
      at: now,
    });
    if (!result.ok) {
      if (result.reason === 'not-found') throw new NotFoundException(`no delisting request ${id}`);
      throw new ConflictException(`request ${id} was decided already`);
    }
    return {
      request: view(result.request),
      allowEntry: result.allowEntry ? listEntryView(result.allowEntry as ListEntryEntity, domainName) : null,
    };
  }

  async reject(id: string, note: string | null, reviewer: string): Promise<DelistRequestView> {
    const result = await this.requests.reject(id, reviewer, note);
    if (!result.ok) {
      if (result.reason === 'not-found') throw new NotFoundException(`no delisting request ${id}`);
      throw new ConflictException(`request ${id} was decided already`);
    }
    return view(result.request);
  }
}
