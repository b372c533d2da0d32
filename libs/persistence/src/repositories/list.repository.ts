import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Direction } from '@spamfilter/domain';
import { DataSource, In, IsNull, type EntityManager } from 'typeorm';
import { FeedbackMarkEntity } from '../entities/feedback-mark.entity';
import { LearnerTrainingEntity } from '../learner/learner-training.entity';
import {
  ListEntryEntity,
  type ListDirection,
  type ListKind,
  type ListMatchType,
  type ListRequirement,
} from '../entities/list-entry.entity';
import { GLOBAL_SCOPE_ID } from '../entities/policy.entity';
import { hydrateEntity } from '../bulk-insert';
import { queryRows, runWrite } from '../transactions';
import { policyScopeId, type PolicyOwner } from './policy.repository';
import { domainOfAddress } from './user.repository';

export type ListOwner = PolicyOwner;

export interface NewListEntry {
  readonly kind: ListKind;
  readonly matchType: ListMatchType;
  readonly value: string;
  readonly direction: ListDirection;
  readonly reason?: string | null;
  readonly createdBy: string;
  readonly expiresAt?: Date | null;
  readonly requires?: ListRequirement | null;
}

/** The list entries that can matter for one scan: global ones, and per recipient its domain's and its own. */
export interface ScanListEntries {
  readonly global: readonly ListEntryEntity[];
  /** Keyed by lower-cased recipient address; recipients without entries are absent. */
  readonly byRecipient: ReadonlyMap<string, readonly ListEntryEntity[]>;
}

@Injectable()
export class ListRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Everything that applies to a scan in ONE query: unexpired entries for this direction (or both) that are global,
   * belong to a recipient's domain, or belong to a recipient's user account.
   *
   * A UNION ALL of three index-driven branches (owner by unique name/address, then list_entry by (scope, scope_id)),
   * not one query with OR-ed outer joins: with 100k user entries the OR form scanned the whole table on both engines
   * (~250-300 ms per scan); this form reads only the recipients' rows. CROSS JOIN pins SQLite's join order (owner
   * first; SQLite treats it as a planner directive, https://sqlite.org/optoverview.html#manual_control_of_query_plans_using_cross_join):
   * without table statistics it otherwise switched to scanning list_entry once three or more recipients were
   * asked for. PostgreSQL plans it like an inner join.
   */
  async entriesForScan(
    recipients: readonly string[],
    direction: Direction,
    at = new Date(),
  ): Promise<ScanListEntries> {
    const addresses = [...new Set(recipients.map((r) => r.toLowerCase()))];
    const domains = [...new Set(addresses.map(domainOfAddress).filter((d) => d !== ''))];
    const live = `(e.expires_at IS NULL OR e.expires_at > :at) AND e.direction IN (:direction, 'both')`;
    const branches = [
      `SELECT e.*, NULL AS owner_address, NULL AS owner_domain FROM list_entry e
       WHERE e.scope = 'global' AND e.scope_id = :global AND ${live}`,
    ];
    if (domains.length) {
      branches.push(`SELECT e.*, NULL AS owner_address, d.name AS owner_domain FROM domain d
       CROSS JOIN list_entry e
       WHERE d.name IN (:...domains) AND e.scope = 'domain' AND e.scope_id = d.id AND ${live}`);
    }
    if (addresses.length) {
      branches.push(`SELECT e.*, u.address AS owner_address, NULL AS owner_domain FROM user_account u
       CROSS JOIN list_entry e
       WHERE u.address IN (:...addresses) AND e.scope = 'user' AND e.scope_id = u.id AND ${live}`);
    }
    const raw = await queryRows<
      Record<string, unknown> & { owner_address: string | null; owner_domain: string | null }
    >(
      this.dataSource.manager,
      `SELECT * FROM (${branches.join(' UNION ALL ')}) owned ORDER BY owned.created_at ASC, owned.id ASC`,
      { at, direction, global: GLOBAL_SCOPE_ID, domains, addresses },
    );
    const entities = raw.map((r) => hydrateEntity(this.dataSource, ListEntryEntity, r));
    const ownerOf = new Map(raw.map((r, i) => [entities[i].id, r]));
    const global: ListEntryEntity[] = [];
    const byRecipient = new Map<string, ListEntryEntity[]>();
    const push = (address: string, entry: ListEntryEntity): void => {
      const list = byRecipient.get(address) ?? [];
      list.push(entry);
      byRecipient.set(address, list);
    };
    for (const entry of entities) {
      if (entry.scope === 'global') {
        global.push(entry);
        continue;
      }
      const owner = ownerOf.get(entry.id);
      if (entry.scope === 'user' && owner?.owner_address) push(owner.owner_address, entry);
      if (entry.scope === 'domain' && owner?.owner_domain) {
        for (const address of addresses)
          if (domainOfAddress(address) === owner.owner_domain) push(address, entry);
      }
    }
    return { global, byRecipient };
  }

  async add(owner: ListOwner, input: NewListEntry, at = new Date()): Promise<ListEntryEntity> {
    return runWrite(this.dataSource, (m) => this.addIn(m, owner, input, at));
  }

  /** `add` inside the caller's transaction (with its audit row and change event). */
  async addIn(
    m: EntityManager,
    owner: ListOwner,
    input: NewListEntry,
    at = new Date(),
  ): Promise<ListEntryEntity> {
    const entry: ListEntryEntity = {
      id: randomUUID(),
      scope: owner.scope,
      scopeId: policyScopeId(owner),
      kind: input.kind,
      matchType: input.matchType,
      value: input.value.toLowerCase(),
      direction: input.direction,
      reason: input.reason ?? null,
      createdBy: input.createdBy,
      createdAt: at,
      expiresAt: input.expiresAt ?? null,
      requires: input.requires ?? null,
    };
    await m.getRepository(ListEntryEntity).insert(entry);
    return entry;
  }

  /**
   * The active spam marks behind the learner's blocks of `senders` for one user (learner_training rows not undone,
   * with the feedback_mark each came from): what an undo must remove to lift the block.
   */
  async learnedMarks(
    userId: string,
    senders: readonly string[],
  ): Promise<Map<string, { id: string; reference: string | null; createdAt: Date }[]>> {
    const out = new Map<string, { id: string; reference: string | null; createdAt: Date }[]>();
    if (senders.length === 0) return out;
    const trainings = await this.dataSource.getRepository(LearnerTrainingEntity).find({
      where: { userId, label: 'spam', undoneAt: IsNull(), sender: In([...senders]) },
      order: { createdAt: 'ASC' },
    });
    if (trainings.length === 0) return out;
    const marks = await this.dataSource
      .getRepository(FeedbackMarkEntity)
      .findBy({ eventId: In(trainings.map((t) => t.eventId)) });
    const markOf = new Map(marks.map((m) => [m.eventId, m]));
    for (const t of trainings) {
      const mark = markOf.get(t.eventId);
      if (!mark || t.sender === null) continue;
      const list = out.get(t.sender) ?? [];
      list.push({ id: mark.id, reference: mark.reference, createdAt: mark.createdAt });
      out.set(t.sender, list);
    }
    return out;
  }

  /** One entry by id, whoever owns it (the caller checks that the principal may see the owner). */
  findById(id: string, m: EntityManager = this.dataSource.manager): Promise<ListEntryEntity | null> {
    return m.getRepository(ListEntryEntity).findOneBy({ id });
  }

  /** Deletes an entry inside the caller's transaction; false when it was gone already. */
  async removeIn(m: EntityManager, id: string): Promise<boolean> {
    const result = await m.getRepository(ListEntryEntity).delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /** Removes an entry only if it belongs to this owner; false otherwise. */
  async remove(owner: ListOwner, id: string): Promise<boolean> {
    const result = await runWrite(this.dataSource, (m) =>
      m.getRepository(ListEntryEntity).delete({ id, scope: owner.scope, scopeId: policyScopeId(owner) }),
    );
    return (result.affected ?? 0) > 0;
  }

  list(owner: ListOwner): Promise<ListEntryEntity[]> {
    return this.dataSource
      .getRepository(ListEntryEntity)
      .find({ where: { scope: owner.scope, scopeId: policyScopeId(owner) }, order: { createdAt: 'ASC' } });
  }
}
