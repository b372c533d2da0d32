import type { FeedbackPayload } from '../services/feedback-payload';

/**
 * The learner's subscription to spamfilter.feedback.v1 (consumer group LEARNER_GROUP_ID). Batches arrive in order per
 * key (user). The source commits a batch's offsets only after the handler resolved; a rejection means redelivery,
 * which processed_event makes harmless. Bound to libs/messaging in the learner module.
 */
export abstract class FeedbackSource {
  abstract start(handler: (batch: readonly FeedbackPayload[]) => Promise<void>): Promise<void>;
  abstract stop(): Promise<void>;
}
