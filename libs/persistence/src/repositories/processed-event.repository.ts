import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryRows, runInTransaction, runWrite } from '../transactions';

export type RunOnceResult<T> = { readonly ran: true; readonly result: T } | { readonly ran: false };

/**
 * Idempotent consumers. `runOnce` records (consumer, event id) and runs the handler in the SAME transaction: the
 * mark and the handler's writes commit together or not at all, so a redelivered event is skipped exactly when its
 * first delivery's effects are committed. Concurrent duplicates on PostgreSQL: the second INSERT waits on the first
 * transaction's row lock and then skips (ON CONFLICT DO NOTHING); if the first rolls back, the second runs.
 */
@Injectable()
export class ProcessedEventRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async runOnce<T>(
    consumer: string,
    eventId: string,
    manager: EntityManager,
    work: (manager: EntityManager) => Promise<T>,
    at = new Date(),
  ): Promise<RunOnceResult<T>> {
    if (!manager.queryRunner?.isTransactionActive)
      throw new Error('runOnce needs the EntityManager of an open transaction');
    const inserted = await queryRows(
      manager,
      `INSERT INTO processed_event (consumer, event_id, processed_at) VALUES (:consumer, :eventId, :at) ON CONFLICT DO NOTHING RETURNING event_id`,
      { consumer, eventId, at },
    );
    if (inserted.length === 0) return { ran: false };
    return { ran: true, result: await work(manager) };
  }

  /** runOnce in a transaction of its own. */
  runOnceInTransaction<T>(
    consumer: string,
    eventId: string,
    work: (manager: EntityManager) => Promise<T>,
    at = new Date(),
  ): Promise<RunOnceResult<T>> {
    return runInTransaction(this.dataSource, (manager) => this.runOnce(consumer, eventId, manager, work, at));
  }

  async wasProcessed(consumer: string, eventId: string): Promise<boolean> {
    const rows = await queryRows(
      this.dataSource.manager,
      `SELECT 1 AS one FROM processed_event WHERE consumer = :consumer AND event_id = :eventId`,
      { consumer, eventId },
    );
    return rows.length > 0;
  }

  /** Forgets marks older than `before` (after the stream's retention, a redelivery is impossible). */
  async purgeOlderThan(before: Date): Promise<number> {
    const result = await runWrite(this.dataSource, (m) =>
      m
        .createQueryBuilder()
        .delete()
        .from('processed_event')
        .where('processed_at < :before', { before })
        .execute(),
    );
    return result.affected ?? 0;
  }
}
