import type { MessagingConfig } from '@spamfilter/config';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { ensureTopics } from './kafka-topics';
import { OutboxPublisher, type OutboxMessage } from './outbox-publisher';

/**
 * The relay's producer on Kafka: idempotent, acks from all in-sync replicas, one request in flight so a batch keeps
 * its order per partition. Fails fast when the broker is down (the relay keeps the rows and retries), and
 * reconnects on the next batch.
 */
export class KafkaOutboxPublisher extends OutboxPublisher {
  private readonly kafka: Kafka;
  private producer: Producer | null = null;
  private readonly knownTopics = new Set<string>();

  constructor(private readonly config: MessagingConfig) {
    super();
    this.kafka = new Kafka({
      clientId: `${config.kafkaClientId}-outbox`,
      brokers: [...config.kafkaBrokers],
      connectionTimeout: config.connectTimeoutMs,
      requestTimeout: 5000,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      logLevel: logLevel.NOTHING,
    });
  }

  async publishBatch(messages: readonly OutboxMessage[]): Promise<void> {
    const producer = await this.connected();
    try {
      const topics = [...new Set(messages.map((m) => this.config.topicPrefix + m.topic))].filter(
        (t) => !this.knownTopics.has(t),
      );
      if (topics.length > 0) {
        const admin = this.kafka.admin();
        await admin.connect();
        try {
          await ensureTopics(admin, topics);
        } finally {
          await admin.disconnect();
        }
        topics.forEach((t) => this.knownTopics.add(t));
      }
      const byTopic = new Map<string, { key: string | null; value: string }[]>();
      for (const m of messages) {
        const topic = this.config.topicPrefix + m.topic;
        const list = byTopic.get(topic) ?? [];
        list.push({ key: m.key, value: JSON.stringify(m.payload) });
        byTopic.set(topic, list);
      }
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
      });
    } catch (err) {
      this.producer = null;
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    await p?.disconnect().catch(() => undefined);
  }

  private async connected(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    this.producer = producer;
    return producer;
  }
}
