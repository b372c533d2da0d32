import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ModelChangeEvent, ModelChangeKind } from '@spamfilter/domain';
import {
  AuditLogRepository,
  OutboxRepository,
  runInTransaction,
  type NewAuditEntry,
} from '@spamfilter/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { Principal } from '../guards/principal';
import { actorOf } from '../operator/operator-actor';

/** Logical topic of model and policy changes (the learner's MODEL_TOPIC). */
const MODEL_TOPIC = 'spamfilter.model.v1';

/** A change every filter instance must see: drop the caches of this kind. */
export interface FilterChange {
  readonly kind: Extract<ModelChangeKind, 'lists' | 'policy' | 'directory'>;
  /** The user whose layer changed; null for domain and global changes (partition key 'global'). */
  readonly userId: string | null;
  readonly payload: Readonly<Record<string, unknown>>;
}

export type AuditFacts = Omit<NewAuditEntry, 'actor' | 'actorRole' | 'at'>;

/** Who made a change, as the audit log records it. */
export function actorFacts(p: Principal): { actor: string; actorRole: string } {
  return { actor: actorOf(p), actorRole: p.role };
}

/**
 * Commits a change with its audit row and its change event for the filters in ONE transaction (the outbox relay
 * publishes the event on spamfilter.model.v1): a change is never live without its trace, and a committed change
 * always reaches every filter, also when Kafka is down at the time.
 */
@Injectable()
export class ControlChanges {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(AuditLogRepository) private readonly audit: AuditLogRepository,
    @Inject(OutboxRepository) private readonly outbox: OutboxRepository,
  ) {}

  async apply<T>(
    principal: Principal,
    work: (m: EntityManager) => Promise<{ result: T; audit: AuditFacts | null; change?: FilterChange }>,
    now = new Date(),
  ): Promise<T> {
    return runInTransaction(this.db, async (m) => {
      const { result, audit, change } = await work(m);
      if (audit) await this.audit.append(m, { ...audit, ...actorFacts(principal), at: now });
      if (change) await this.publishIn(m, change, now);
      return result;
    });
  }

  /**
   * Records a change a repository committed on its own (AUP rules, delisting decisions, outbound blocks), and with
   * `change` tells the filters. The row follows the change's commit: a crash in between loses the trace, never the
   * change (those repositories keep their own transactions, and the outbound one its own audit trail too).
   */
  async record(
    principal: Principal,
    audit: AuditFacts,
    change?: FilterChange,
    now = new Date(),
  ): Promise<void> {
    await this.apply(
      principal,
      () => Promise.resolve({ result: undefined, audit, ...(change ? { change } : {}) }),
      now,
    );
  }

  private async publishIn(m: EntityManager, change: FilterChange, now: Date): Promise<void> {
    // Filters drop their caches on policy, lists and directory changes and do not order them by version (they reload
    // from the database): the commit time serves as the version here, as no counter needs to be shared.
    const event: ModelChangeEvent = {
      eventId: randomUUID(),
      kind: change.kind,
      userId: change.userId,
      version: now.getTime(),
      occurredAt: now.toISOString(),
      payload: change.payload,
    };
    await this.outbox.add(m, { topic: MODEL_TOPIC, key: change.userId ?? 'global', payload: event }, now);
  }
}
