import { Injectable } from '@nestjs/common';
import { OutboxRepository } from '@spamfilter/persistence';
import { DataSource } from 'typeorm';

export interface ApiHealth {
  readonly status: 'ok' | 'degraded';
  readonly database: 'up' | 'down';
  /** Marks accepted but not yet published to the bus (grows while Kafka is down). */
  readonly outboxBacklog: number | null;
}

@Injectable()
export class HealthService {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: OutboxRepository,
  ) {}

  async check(): Promise<ApiHealth> {
    try {
      await this.db.query('SELECT 1');
    } catch {
      return { status: 'degraded', database: 'down', outboxBacklog: null };
    }
    return { status: 'ok', database: 'up', outboxBacklog: await this.outbox.pendingCount() };
  }
}
