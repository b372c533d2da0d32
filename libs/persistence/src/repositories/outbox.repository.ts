import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, type EntityManager } from 'typeorm';
import { OutboxEventEntity } from '../entities/outbox-event.entity';
import { runInTransaction, runWrite } from '../transactions';

export interface NewOutboxEvent {
  readonly topic: string;
  /** The Kafka message key (the user id for feedback, so one user's events stay in order). */
  readonly key: string | null;
  readonly payload: unknown;
}

/** Advisory lock key (any constant unique to this use) that serialises outbox claims on PostgreSQL. */
const OUTBOX_CLAIM_LOCK = 0x5f0b0c1a;

/** Longest error text kept per row. */
const MAX_ERROR_LENGTH = 2000;

/**
 * The transactional outbox (DESIGN.md: the API must not lose a mark when Kafka is down). Producers add events
 * through the EntityManager of their own transaction; a relay claims batches, publishes them and marks them.
 * Claims are leases (locked_until): a relay that dies mid-batch releases its rows when the lease runs out, so
 * delivery is at-least-once and consumers dedupe by event id (ProcessedEventRepository).
 */
@Injectable()
export class OutboxRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Adds an event inside the caller's transaction; returns its id (relay order). */
  async add(manager: EntityManager, event: NewOutboxEvent, at = new Date()): Promise<number> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(OutboxEventEntity)
      .values({
        topic: event.topic,
        messageKey: event.key,
        payload: event.payload as never,
        createdAt: at,
        publishedAt: null,
        lockedUntil: null,
        attempts: 0,
        lastError: null,
      })
      .execute();
    return Number((result.identifiers[0] as { id: number }).id);
  }

  /**
   * Claims up to `limit` unpublished events whose lease is free, oldest first, for `leaseMs`.
   *
   * Order per message key is kept across relays: an event is not handed out while an older event with the same key
   * is leased or waiting for its retry (head-of-line blocking per key, as Kafka's per-partition order needs: a
   * user's "undo" must not overtake the "learn" it undoes). For that check to be race-free, claims are serialised:
   * on PostgreSQL with a transaction-scoped advisory lock (a claim is one short transaction, so relays wait
   * milliseconds), on SQLite by its single writer (Transactions queue).
   */
  async claimBatch(limit: number, leaseMs: number, at = new Date()): Promise<OutboxEventEntity[]> {
    return runInTransaction(this.dataSource, async (manager) => {
      if (this.dataSource.options.type === 'postgres') {
        await manager.query('SELECT pg_advisory_xact_lock($1)', [OUTBOX_CLAIM_LOCK]);
      }
      const ids = (
        await manager
          .getRepository(OutboxEventEntity)
          .createQueryBuilder('o')
          .select('o.id', 'id')
          .where('o.published_at IS NULL')
          .andWhere('(o.locked_until IS NULL OR o.locked_until <= :at)', { at })
          .andWhere(
            `NOT EXISTS (SELECT 1 FROM outbox_event older WHERE older.message_key = o.message_key
               AND older.published_at IS NULL AND older.id < o.id AND older.locked_until > :at)`,
          )
          .orderBy('o.id', 'ASC')
          .limit(limit)
          .getRawMany<{ id: number | string }>()
      ).map((r) => Number(r.id));
      if (ids.length === 0) return [];
      await manager
        .createQueryBuilder()
        .update(OutboxEventEntity)
        .set({ lockedUntil: new Date(at.getTime() + leaseMs) })
        .where({ id: In(ids) })
        .execute();
      return manager.getRepository(OutboxEventEntity).find({ where: { id: In(ids) }, order: { id: 'ASC' } });
    });
  }

  async markPublished(ids: readonly number[], at = new Date()): Promise<void> {
    if (ids.length === 0) return;
    await runWrite(this.dataSource, (m) =>
      m
        .createQueryBuilder()
        .update(OutboxEventEntity)
        .set({ publishedAt: at, lockedUntil: null, lastError: null })
        .where({ id: In([...ids]) })
        .execute(),
    );
  }

  /** Records a failed publish; the event becomes claimable again at `retryAt`. */
  async recordFailure(id: number, error: string, retryAt: Date): Promise<void> {
    await runWrite(this.dataSource, (m) =>
      m
        .createQueryBuilder()
        .update(OutboxEventEntity)
        .set({
          attempts: () => 'attempts + 1',
          lastError: error.slice(0, MAX_ERROR_LENGTH),
          lockedUntil: retryAt,
        })
        .where({ id, publishedAt: IsNull() })
        .execute(),
    );
  }

  /** Unpublished events (for health and metrics). */
  pendingCount(): Promise<number> {
    return this.dataSource.getRepository(OutboxEventEntity).countBy({ publishedAt: IsNull() });
  }

  /** Deletes published events older than `before`; returns how many. */
  async purgePublished(before: Date): Promise<number> {
    const result = await runWrite(this.dataSource, (m) =>
      m
        .createQueryBuilder()
        .delete()
        .from(OutboxEventEntity)
        .where('published_at IS NOT NULL AND published_at < :before', { before })
        .execute(),
    );
    return result.affected ?? 0;
  }
}
