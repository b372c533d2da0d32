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

export interface ReadMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

/**
 * Reads `count` messages of a (physical) topic from its beginning with a throw-away consumer group, e.g. a
 * dead-letter topic the bus wrote; kafkajs directly, because the bus only reads typed topics.
 */
export async function readTopic(topic: string, count: number, timeoutMs = 30_000): Promise<ReadMessage[]> {
  const kafka = new Kafka({ brokers: KAFKA_BROKERS, clientId: 'it-read-topic', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `it-read-${topic}-${Date.now()}`, maxWaitTimeInMs: 200 });
  const got: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        got.push({
          key: message.key?.toString('utf8') ?? '',
          value: message.value?.toString('utf8') ?? '',
          headers,
        });
      },
    });
    await waitFor(() => got.length >= count, timeoutMs);
    return got;
  } finally {
    await consumer.disconnect();
  }
}

/** Writes raw values to a (physical) topic, bypassing the bus and its types: what a broken producer would send. */
export async function produceRaw(
  topic: string,
  messages: readonly { key: string; value: string }[],
): Promise<void> {
  const kafka = new Kafka({ brokers: KAFKA_BROKERS, clientId: 'it-produce-raw', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [...messages] });
  } finally {
    await producer.disconnect();
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
