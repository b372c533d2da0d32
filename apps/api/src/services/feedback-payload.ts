import type { FeedbackEvent } from '@spamfilter/domain';

/** Logical topic of marks; the bus adapter adds KAFKA_TOPIC_PREFIX. */
export const FEEDBACK_TOPIC = 'spamfilter.feedback.v1';

/**
 * What a raw mark carries for the learner, since no scan record holds that message's training data: the tokens
 * (from libs/bayes' tokenizer), the envelope-free sender and whether it was list mail.
 */
export interface MarkTraining {
  readonly tokens: readonly string[];
  readonly sender: string | null;
  readonly hasListUnsubscribe: boolean;
}

/** The outbox payload / bus message: the domain's FeedbackEvent plus raw-mark training data when there is no scan. */
export interface FeedbackPayload extends FeedbackEvent {
  readonly training?: MarkTraining;
}
