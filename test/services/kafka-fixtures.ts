import type { FeedbackEvent } from '@spamfilter/domain';
import { Kafka, logLevel } from 'kafkajs';

/** Shared by the Kafka suites here (kafka-event-bus, kafka-outage): one event builder, one poll, one cleanup. */
export const KAFKA_BROKERS = ['127.0.0.1:9092'];

export function feedback(id: string, userId: string): FeedbackEvent {
  return {
    eventId: id,
    userId,
    tenantId: 't1',
    kind: 'learn',
    label: 'spam',
    reference: null,
    messageId: `m-${id}`,
    occurredAt: new Date().toISOString(),
  };
}

export async function waitFor(cond: () => boolean, timeoutMs = 30_000, intervalMs = 20): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Leave the shared development broker as we found it: delete this run's topics (best effort). */
export async function deleteRunTopics(prefix: string, clientId: string): Promise<void> {
  const admin = new Kafka({ brokers: KAFKA_BROKERS, clientId, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
  await admin.disconnect();
}
