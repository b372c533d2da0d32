import { EventBus, TOPICS, type Subscription } from '@spamfilter/messaging';
import type { FeedbackPayload } from '../services/feedback-payload';
import { FeedbackSource } from './feedback-source';

/**
 * The learner's consumer group on libs/messaging (Kafka or the in-process bus): one partition's fetched batch at a
 * time (EventBus.subscribeBatch), so the learner commits one database transaction per batch, which is what lets it
 * keep up with thousands of marks per second (one commit per event cannot). Every event has passed the feedback
 * schema (its `training`, when present, included); a malformed one is in spamfilter.feedback.v1.dlq, not here. A
 * batch the learner rejects is retried event by event and a poison event is dead-lettered alone; processed_event
 * makes the redelivery of the events before it harmless.
 */
export class BusFeedbackSource extends FeedbackSource {
  private subscription: Subscription | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly groupId: string,
    /**
     * Whether the learner's database answers: failures while it does not are not counted toward the bus's retry
     * budget, so a database outage holds the marks instead of dead-lettering them.
     */
    private readonly databaseUp?: () => Promise<boolean>,
  ) {
    super();
  }

  async start(handler: (batch: readonly FeedbackPayload[]) => Promise<void>): Promise<void> {
    this.subscription = await this.bus.subscribeBatch(
      TOPICS.feedback,
      this.groupId,
      // The feedback schema checked `training` (the raw marks' libs/bayes ScanTraining) with the rest.
      (events) => handler(events as readonly FeedbackPayload[]),
      { dependencyHealthy: this.databaseUp },
    );
  }

  async stop(): Promise<void> {
    const s = this.subscription;
    this.subscription = null;
    await s?.stop();
  }
}
