import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { OutboxEventEntity } from '../entities/outbox-event.entity';
import { runWrite } from '../transactions';

export interface NewOutboxEvent {
  readonly topic: string;
  /** The Kafka message key (the user id for feedback, so one user's events stay in order). */
  readonly key: string | null;
  readonly payload: unknown;
}

/**
 * The transactional outbox (DESIGN.md: the API must not lose a mark when Kafka is down). Producers add events
 * through the EntityManager of their own transaction; the API's OutboxRelayService publishes them in id order and
 * marks them published (at-least-once: consumers dedupe by event id, ProcessedEventRepository), and deletes
 * published rows once they are older than the retention.
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

  /** Unpublished events (for health and metrics). */
  pendingCount(): Promise<number> {
    return this.dataSource.getRepository(OutboxEventEntity).countBy({ publishedAt: IsNull() });
  }

  /** When the oldest unpublished event was written, or null when none waits (metrics: how stale the backlog is). */
  async oldestPendingAt(): Promise<Date | null> {
    const row = await this.dataSource
      .getRepository(OutboxEventEntity)
      .findOne({ where: { publishedAt: IsNull() }, order: { id: 'ASC' }, select: ['id', 'createdAt'] });
    return row?.createdAt ?? null;
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
