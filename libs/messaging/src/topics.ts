import type { FeedbackEvent, ModelChangeEvent } from '@spamfilter/domain';
import type { OperatorNotice, ScanEvent } from './events';

/**
 * The typed map topic → event. Publishing or subscribing to a topic with the wrong event type does not compile.
 * Names are logical: each adapter prepends KAFKA_TOPIC_PREFIX (config.messaging.topicPrefix) on the wire, so test
 * runs isolate themselves with a unique prefix. A breaking change of an event gets a new topic (…v2), not a new
 * shape on the old one.
 */
export interface TopicEvents {
  /** A user's mark, keyed by userId (one user's marks stay in order). Consumer: the learner. */
  'spamfilter.feedback.v1': FeedbackEvent;
  /** Model and policy changes, keyed by userId or 'global'. Consumers: every filter instance (own group each). */
  'spamfilter.model.v1': ModelChangeEvent;
  /** Scan outcomes, keyed by the recipient's user id or the auth user. */
  'spamfilter.scans.v1': ScanEvent;
  /** Operator notices, keyed by subject. */
  'spamfilter.operator.v1': OperatorNotice;
}

export type TopicName = keyof TopicEvents;

export const TOPICS = {
  feedback: 'spamfilter.feedback.v1',
  model: 'spamfilter.model.v1',
  scans: 'spamfilter.scans.v1',
  operator: 'spamfilter.operator.v1',
} as const satisfies Record<string, TopicName>;

export const TOPIC_NAMES: readonly TopicName[] = Object.values(TOPICS);

/** For topic names read from storage (the API's outbox rows). */
export function isTopicName(value: unknown): value is TopicName {
  return typeof value === 'string' && (TOPIC_NAMES as readonly string[]).includes(value);
}

/** The topic's name on the wire. */
export function physicalTopic(prefix: string, topic: TopicName): string {
  return `${prefix}${topic}`;
}

/** Partition key of model changes for the global layer (userId null). */
export const GLOBAL_KEY = 'global';
