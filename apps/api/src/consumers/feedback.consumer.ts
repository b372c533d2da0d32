import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { OutboxRelayService } from '../services/outbox-relay.service';
import type { FeedbackPayload } from '../services/feedback-payload';
import { FeedbackSource } from './feedback-source';
import { LearnerService } from './learner.service';

/**
 * The learner's Kafka handler: thin — hands the batch to LearnerService, wakes the relay. The events were checked
 * against the feedback schema by libs/messaging on consume (a malformed one is dead-lettered there).
 */
@Injectable()
export class FeedbackConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Events handled (any outcome) since start; the benchmark reads it. */
  handled = 0;

  constructor(
    private readonly source: FeedbackSource,
    private readonly learner: LearnerService,
    private readonly relay: OutboxRelayService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.source.start((batch) => this.onBatch(batch));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.source.stop();
  }

  async onBatch(batch: readonly FeedbackPayload[]): Promise<void> {
    if (batch.length > 0) {
      const outcomes = await this.learner.handleBatch(batch);
      if (outcomes.some((o) => 'changes' in o && o.changes.length > 0)) this.relay.kick();
    }
    this.handled += batch.length;
  }
}
