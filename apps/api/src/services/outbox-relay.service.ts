import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import { OutboxEventEntity, OutboxRepository, runInTransaction } from '@spamfilter/persistence';
import { DataSource, In, IsNull } from 'typeorm';
import { API_APP_CONFIG } from '../api-config.token';
import { OutboxPublisher, type OutboxMessage } from './outbox-publisher';

/** Largest publish request (bytes of JSON, roughly); Kafka's default message.max.bytes is 1 MiB. */
const MAX_REQUEST_BYTES = 512 * 1024;

/** How often an idle relay deletes published events older than OUTBOX_RETENTION_HOURS. */
const PURGE_EVERY_MS = 10 * 60_000;

/** Advisory lock key of the relay: one relay publishes at a time, so events keep their order per key (user). */
const RELAY_LOCK_KEY = 0x5f0b0c;

/**
 * The transactional outbox's relay: publishes unpublished rows to the bus in id order (so in order per user) and
 * marks them published. When the bus is down the rows wait and the relay retries with backoff; marks are still
 * accepted meanwhile. Delivery is at-least-once (a crash between publish and update repeats a batch); the learner
 * deduplicates by event ID. `kick()` wakes the loop right after a mark commits, so the poll interval does not
 * add to the mark → verdict latency. While idle it deletes published rows older than the retention, so the table
 * holds the backlog plus about a day of history, not every mark ever made.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(OutboxRelayService.name);
  private running = false;
  private wake: (() => void) | null = null;
  private kicked = false;
  private loop: Promise<void> | null = null;
  private failures = 0;
  private lastPurge = 0;

  constructor(
    private readonly db: DataSource,
    private readonly publisher: OutboxPublisher,
    private readonly outbox: OutboxRepository,
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.api.outboxRelayEnabled) return;
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
  }

  kick(): void {
    this.kicked = true;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** One round: publishes up to OUTBOX_BATCH_SIZE rows; returns how many were published. */
  async relayOnce(): Promise<number> {
    return runInTransaction(this.db, async (m) => {
      if (this.db.options.type === 'postgres') {
        const [{ locked }] = (await m.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [
          RELAY_LOCK_KEY,
        ])) as { locked: boolean }[];
        if (!locked) return 0; // another relay is publishing
      }
      const repo = m.getRepository(OutboxEventEntity);
      const rows = await repo.find({
        where: { publishedAt: IsNull() },
        order: { id: 'ASC' },
        take: this.config.api.outboxBatchSize,
      });
      if (rows.length === 0) return 0;
      // A failure rejects and rolls back: the rows stay unpublished and the next round tries them again.
      // Requests stay under the broker's message.max.bytes (1 MiB by default): chunks of at most MAX_REQUEST_BYTES,
      // sent in order.
      let chunk: OutboxMessage[] = [];
      let bytes = 0;
      for (const r of rows) {
        const size = JSON.stringify(r.payload).length + (r.messageKey?.length ?? 0) + 64;
        if (chunk.length > 0 && bytes + size > MAX_REQUEST_BYTES) {
          await this.publisher.publishBatch(chunk);
          chunk = [];
          bytes = 0;
        }
        chunk.push({ topic: r.topic, key: r.messageKey, payload: r.payload });
        bytes += size;
      }
      if (chunk.length > 0) await this.publisher.publishBatch(chunk);
      await repo.update({ id: In(rows.map((r) => r.id)) }, { publishedAt: new Date() });
      return rows.length;
    });
  }

  /** Deletes published events older than the retention; returns how many (a failure is logged and retried later). */
  async purge(now = new Date()): Promise<number> {
    this.lastPurge = now.getTime();
    try {
      return await this.outbox.purgePublished(
        new Date(now.getTime() - this.config.api.outboxRetentionHours * 3_600_000),
      );
    } catch (err) {
      this.log.warn(`outbox purge failed: ${err instanceof Error ? err.message : String(err)}`);
      return 0;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.kicked = false;
      let published = 0;
      try {
        published = await this.relayOnce();
        if (this.failures > 0) this.log.log(`bus reachable again after ${this.failures} failed rounds`);
        this.failures = 0;
      } catch (err) {
        this.failures++;
        if (this.failures === 1 || this.failures % 50 === 0) {
          this.log.warn(
            `outbox relay: publishing failed (${this.failures}x), rows wait: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
      if (published > 0 && this.failures === 0) continue; // more may be waiting
      if (this.kicked && this.failures === 0) continue;
      if (this.failures === 0 && Date.now() - this.lastPurge >= PURGE_EVERY_MS) await this.purge();
      const pause =
        this.failures > 0
          ? Math.min(5000, this.config.api.outboxPollMs * 2 ** Math.min(this.failures, 5))
          : this.config.api.outboxPollMs;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pause);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }
}
