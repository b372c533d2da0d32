import type { MessagingConfig } from '@spamfilter/config';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { physicalTopic, type TopicName } from './topics';

export interface PartitionLag {
  readonly partition: number;
  /** Events in the partition the group has not committed yet. */
  readonly lag: number;
}

/**
 * A consumer group's lag per partition: the partition's end offset (high watermark) minus the group's committed
 * offset. A partition the group has never committed on counts from the partition's first retained offset (the
 * learner's group starts from the beginning).
 */
export function consumerLag(
  committed: readonly { readonly partition: number; readonly offset: string }[],
  ends: readonly { readonly partition: number; readonly high: string; readonly low: string }[],
): PartitionLag[] {
  const done = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
  return ends
    .map((e) => {
      const high = BigInt(e.high);
      const from = done.get(e.partition) ?? -1n;
      const start = from < 0n ? BigInt(e.low) : from;
      return { partition: e.partition, lag: Number(high > start ? high - start : 0n) };
    })
    .sort((a, b) => a.partition - b.partition);
}

/**
 * Reads a consumer group's lag from the brokers (kafkajs admin: the group's committed offsets and the topic's end
 * offsets), independent of the consumer itself: a consumer that hangs or crashed stops committing while the end
 * offsets grow, so the lag shows it — a figure the consumer computed itself would stop with it. Two admin requests
 * per call, on one connection kept open between calls; each call is bounded by KAFKA_CONNECT_TIMEOUT_MS.
 */
export class KafkaConsumerLag {
  private readonly admin: Admin;
  private connected: Promise<void> | null = null;

  constructor(private readonly config: MessagingConfig) {
    this.admin = new Kafka({
      clientId: `${config.kafkaClientId}-lag`,
      brokers: [...config.kafkaBrokers],
      connectionTimeout: config.connectTimeoutMs,
      logLevel: logLevel.NOTHING,
      // A few quick retries: the first group-coordinator lookup after connecting needs the cluster's metadata, which
      // kafkajs loads in its retry loop (with none, it fails with "No brokers in the broker pool"). A scrape bounds
      // the whole read anyway (gaugeReadOnScrape's timeout).
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 500 },
    }).admin();
  }

  /** Lag per partition of `groupId` on the logical `topic` (KAFKA_TOPIC_PREFIX is added here). */
  async lag(topic: TopicName, groupId: string): Promise<PartitionLag[]> {
    const physical = physicalTopic(this.config.topicPrefix, topic);
    try {
      this.connected ??= this.admin.connect();
      await this.connected;
      const [committed, ends] = await Promise.all([
        this.admin.fetchOffsets({ groupId, topics: [physical] }),
        this.admin.fetchTopicOffsets(physical),
      ]);
      return consumerLag(committed.find((t) => t.topic === physical)?.partitions ?? [], ends);
    } catch (err) {
      // The next call starts from a fresh connection.
      this.connected = null;
      await this.admin.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    this.connected = null;
    await this.admin.disconnect().catch(() => undefined);
  }
}
