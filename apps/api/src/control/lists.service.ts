import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { ListRepository, policyScopeId, UserRepository, type ListEntryEntity } from '@spamfilter/persistence';
import { LEARNER_ACTOR } from '../consumers/learner-batch';
import type { Principal } from '../guards/principal';
import { actorOf } from '../operator/operator-actor';
import { requirementFor, senderDomainOf } from '../operator/review-approval';
import { ControlChanges, type FilterChange } from './control-changes';
import type { ListEntryCreate, ListEntryViewDto, ScopeQuery } from './control.dto';
import { tenantOf, type ScopeTarget } from './scope-access';
import { ownerOf, ScopeResolver } from './scope-resolver';

type Marks = ListEntryViewDto['marks'];

export function listEntryView(e: ListEntryEntity, target: ScopeTarget, marks: Marks = []): ListEntryViewDto {
  return {
    id: e.id,
    scope: e.scope,
    domain: target.scope === 'domain' ? target.domain : null,
    user: target.scope === 'user' ? target.address : null,
    kind: e.kind,
    matchType: e.matchType,
    value: e.value,
    direction: e.direction,
    reason: e.reason,
    createdBy: e.createdBy,
    createdAt: e.createdAt.toISOString(),
    expiresAt: e.expiresAt?.toISOString() ?? null,
    requires: e.requires,
    origin: e.createdBy === LEARNER_ACTOR ? 'learned' : 'manual',
    marks,
  };
}

/** Which filter caches a change of this target's list makes stale. */
function listChange(target: ScopeTarget, payload: Record<string, unknown>): FilterChange {
  return {
    kind: 'lists',
    userId: target.scope === 'user' ? target.userId : null,
    payload: { scope: target.scope, ...payload },
  };
}

/**
 * Allow and block lists at every scope: a user's own, a domain's (its admins), the global one (operators). Every
 * change is audited and reaches every filter (spamfilter.model.v1) in the transaction that makes it.
 */
@Injectable()
export class ListsService {
  constructor(
    @Inject(ListRepository) private readonly lists: ListRepository,
    @Inject(UserRepository) private readonly users: UserRepository,
    @Inject(ScopeResolver) private readonly scopes: ScopeResolver,
    @Inject(ControlChanges) private readonly changes: ControlChanges,
  ) {}

  async list(p: Principal, q: ScopeQuery): Promise<ListEntryViewDto[]> {
    const target = await this.scopes.resolve(p, q);
    const entries = await this.lists.list(ownerOf(target));
    const learned = entries.filter((e) => e.createdBy === LEARNER_ACTOR).map((e) => e.value);
    const marks =
      target.scope === 'user'
        ? await this.lists.learnedMarks(target.userId, learned)
        : new Map<string, { id: string; reference: string | null; createdAt: Date }[]>();
    return entries.map((e) =>
      listEntryView(
        e,
        target,
        e.createdBy === LEARNER_ACTOR
          ? (marks.get(e.value) ?? []).map((m) => ({
              id: m.id,
              reference: m.reference,
              createdAt: m.createdAt.toISOString(),
            }))
          : [],
      ),
    );
  }

  async add(p: Principal, body: ListEntryCreate): Promise<ListEntryViewDto> {
    const target = await this.scopes.resolve(p, { scope: body.scope, domain: body.domain, user: body.user });
    const requires = await this.requirement(p, body);
    return this.changes.apply(p, async (m) => {
      const e = await this.lists.addIn(m, ownerOf(target), {
        kind: body.kind,
        matchType: body.matchType,
        value: body.value,
        direction: body.direction,
        reason: body.reason ?? null,
        createdBy: actorOf(p),
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
        requires,
      });
      const view = listEntryView(e, target);
      return {
        result: view,
        audit: {
          tenantId: tenantOf(target),
          subject: 'list_entry',
          subjectId: e.id,
          action: 'add',
          before: null,
          after: view,
          reason: body.reason ?? null,
        },
        change: listChange(target, {
          added: { id: e.id, kind: e.kind, matchType: e.matchType, value: e.value },
        }),
      };
    });
  }

  /** `expected`: the list the caller names (the operator route's ?scope=); an entry of another list is not found. */
  async remove(p: Principal, id: string, expected?: ScopeQuery): Promise<void> {
    const entry = await this.lists.findById(id);
    if (!entry) throw new NotFoundException(`no list entry ${id}`);
    const target = await this.scopes.resolveOwner(p, entry.scope, entry.scopeId);
    if (expected?.scope) {
      const named = ownerOf(await this.scopes.resolve(p, expected));
      if (named.scope !== entry.scope || policyScopeId(named) !== entry.scopeId)
        throw new NotFoundException(`no entry ${id} in this list`);
    }
    await this.changes.apply(p, async (m) => {
      if (!(await this.lists.removeIn(m, id))) throw new NotFoundException(`no list entry ${id}`);
      return {
        result: undefined,
        audit: {
          tenantId: tenantOf(target),
          subject: 'list_entry',
          subjectId: id,
          action: 'remove',
          before: listEntryView(entry, target),
          after: null,
        },
        change: listChange(target, {
          removed: { id, kind: entry.kind, matchType: entry.matchType, value: entry.value },
        }),
      };
    });
  }

  /**
   * An allow for a sender in a domain we host applies only with an aligned DMARC or SPF pass (anyone can forge our
   * customers' addresses: the review-approval rule). The caller may ask for it on any address or domain allow; only
   * an operator may drop it for a hosted sender.
   */
  private async requirement(p: Principal, body: ListEntryCreate): Promise<'aligned_auth' | null> {
    if (body.kind !== 'allow') return null;
    const domain = senderDomainOf(body.matchType, body.value);
    const due = domain ? requirementFor(await this.users.hostedDomainsCovering(domain)) : null;
    if (body.requires === null && due && p.role !== 'operator')
      throw new BadRequestException(
        `requires: ${domain} is hosted here, so an allow for it needs an aligned DMARC or SPF pass; only operators may drop that`,
      );
    if (body.requires === null) return null;
    return body.requires ?? due;
  }
}
