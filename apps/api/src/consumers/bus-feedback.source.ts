import { EventBus, TOPICS, type Subscription } from '@spamfilter/messaging';
import type { FeedbackPayload } from '../services/feedback-payload';
import { FeedbackSource } from './feedback-source';

/** The learner on libs/messaging's EventBus (the embedded in-process bus): one event per batch. */
export class BusFeedbackSource extends FeedbackSource {
  private subscription: Subscription | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly groupId: string,
  ) {
    super();
  }

  async start(handler: (batch: readonly FeedbackPayload[]) => Promise<void>): Promise<void> {
    this.subscription = await this.bus.subscribe(TOPICS.feedback, this.groupId, (event) =>
      handler([event as FeedbackPayload]),
    );
  }

  async stop(): Promise<void> {
    const s = this.subscription;
    this.subscription = null;
    await s?.stop();
  }
}
