import type { ScanTraining } from '@spamfilter/bayes';
import type { FeedbackEvent } from '@spamfilter/domain';

/** Logical topic of marks; the bus adapter adds KAFKA_TOPIC_PREFIX. */
export const FEEDBACK_TOPIC = 'spamfilter.feedback.v1';

/**
 * The outbox payload / bus message: the domain's FeedbackEvent plus, for raw marks (no scan record holds that
 * message), its training data (libs/bayes ScanTraining: token ids, sender, List-Unsubscribe).
 */
export interface FeedbackPayload extends FeedbackEvent {
  readonly training?: ScanTraining;
}
