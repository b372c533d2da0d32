import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { OutboxRelayService } from '../services/outbox-relay.service';
import type { FeedbackPayload } from '../services/feedback-payload';
import { FeedbackSource } from './feedback-source';
import { LearnerService } from './learner.service';

/** The learner's Kafka handler: thin — validates the shape, hands the batch to LearnerService, wakes the relay. */
@Injectable()
export class FeedbackConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(FeedbackConsumer.name);
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
    const valid = batch.filter((e) => {
      const ok = isFeedbackPayload(e);
      if (!ok) this.log.warn(`dropping a malformed feedback event: ${JSON.stringify(e).slice(0, 200)}`);
      return ok;
    });
    if (valid.length > 0) {
      const outcomes = await this.learner.handleBatch(valid);
      if (outcomes.some((o) => 'changes' in o && o.changes.length > 0)) this.relay.kick();
    }
    this.handled += batch.length;
  }
}

function isFeedbackPayload(e: unknown): e is FeedbackPayload {
  if (typeof e !== 'object' || e === null) return false;
  const v = e as Record<string, unknown>;
  return (
    typeof v.eventId === 'string' &&
    typeof v.userId === 'string' &&
    typeof v.messageId === 'string' &&
    (v.kind === 'learn' || v.kind === 'undo' || v.kind === 'unshare') &&
    (v.label === 'spam' || v.label === 'ham' || v.label === null)
  );
}
