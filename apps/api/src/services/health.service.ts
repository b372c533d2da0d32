import { Injectable } from '@nestjs/common';
import { DatabaseHealth, OutboxRepository } from '@spamfilter/persistence';
import { DataSource } from 'typeorm';

export interface ApiHealth {
  readonly status: 'ok' | 'degraded';
  readonly database: 'up' | 'down';
  /** Marks accepted but not yet published to the bus (grows while Kafka is down). */
  readonly outboxBacklog: number | null;
}

/** The API's readiness: the database round trip bounded by DatabaseHealth's timeout (a hung server reads as down). */
@Injectable()
export class HealthService {
  private readonly database: DatabaseHealth;

  constructor(
    db: DataSource,
    private readonly outbox: OutboxRepository,
  ) {
    this.database = new DatabaseHealth(db);
  }

  async check(): Promise<ApiHealth> {
    if ((await this.database.health()).status === 'down')
      return { status: 'degraded', database: 'down', outboxBacklog: null };
    return { status: 'ok', database: 'up', outboxBacklog: await this.outbox.pendingCount() };
  }
}
