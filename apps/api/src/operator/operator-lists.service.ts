import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import {
  ListRepository,
  UserRepository,
  type ListEntryEntity,
  type ListOwner,
} from '@spamfilter/persistence';
import type { ListEntryBody, ListQuery } from './operator.dto';

export interface ListEntryView {
  readonly id: string;
  readonly scope: string;
  readonly domain: string | null;
  readonly kind: string;
  readonly matchType: string;
  readonly value: string;
  readonly direction: string;
  readonly reason: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  /** 'aligned_auth': applies only to mail with an aligned DMARC or SPF pass for the matched sender. */
  readonly requires: string | null;
}

export function listEntryView(e: ListEntryEntity, domain: string | null): ListEntryView {
  return {
    id: e.id,
    scope: e.scope,
    domain,
    kind: e.kind,
    matchType: e.matchType,
    value: e.value,
    direction: e.direction,
    reason: e.reason,
    createdBy: e.createdBy,
    createdAt: e.createdAt.toISOString(),
    expiresAt: e.expiresAt?.toISOString() ?? null,
    requires: e.requires,
  };
}

/** IP / domain / address allow and block lists at global and domain level, for operators. */
@Injectable()
export class OperatorListsService {
  constructor(
    @Inject(ListRepository) private readonly lists: ListRepository,
    @Inject(UserRepository) private readonly users: UserRepository,
  ) {}

  async list(q: ListQuery): Promise<ListEntryView[]> {
    const owner = await this.owner(q.scope, q.domain);
    return (await this.lists.list(owner)).map((e) => listEntryView(e, q.domain ?? null));
  }

  async add(body: ListEntryBody, actor: string): Promise<ListEntryView> {
    const owner = await this.owner(body.scope, body.domain);
    const e = await this.lists.add(owner, {
      kind: body.kind,
      matchType: body.matchType,
      value: body.value,
      direction: body.direction,
      reason: body.reason ?? null,
      createdBy: actor,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
    });
    return listEntryView(e, body.domain ?? null);
  }

  async remove(q: ListQuery, id: string): Promise<void> {
    if (!(await this.lists.remove(await this.owner(q.scope, q.domain), id)))
      throw new NotFoundException(`no entry ${id} in this list`);
  }

  private async owner(scope: 'global' | 'domain', domain: string | undefined): Promise<ListOwner> {
    if (scope === 'global') return { scope: 'global' };
    const d = domain ? await this.users.findDomainByName(domain) : null;
    if (!d) throw new NotFoundException(`no domain ${domain ?? ''} served here`);
    return { scope: 'domain', domainId: d.id };
  }
}
