import { Logger } from '@nestjs/common';
import type { LearnerConfig, MessagingConfig } from '@spamfilter/config';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { FeedbackPayload } from '../services/feedback-payload';
import { FEEDBACK_TOPIC } from '../services/feedback-payload';
import { ensureTopics } from '../services/kafka-topics';
import { FeedbackSource } from './feedback-source';

/**
 * The learner's consumer group on Kafka, consuming whole fetched batches (eachBatch) rather than libs/messaging's
 * one event at a time: the learner commits one database transaction per batch, which is what lets it keep up
 * with thousands of marks per second (one commit per event cannot). Offsets are committed only after a batch's handler resolved (the training
 * is committed in PostgreSQL by then); a crash in between redelivers the batch and processed_event skips it.
 */
export class KafkaFeedbackSource extends FeedbackSource {
  private readonly log = new Logger(KafkaFeedbackSource.name);
  private readonly kafka: Kafka;
  private consumer: Consumer | null = null;

  constructor(
    private readonly messaging: MessagingConfig,
    private readonly learner: LearnerConfig,
  ) {
    super();
    this.kafka = new Kafka({
      clientId: `${messaging.kafkaClientId}-learner`,
      brokers: [...messaging.kafkaBrokers],
      connectionTimeout: messaging.connectTimeoutMs,
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
    });
  }

  async start(handler: (batch: readonly FeedbackPayload[]) => Promise<void>): Promise<void> {
    const topic = this.messaging.topicPrefix + FEEDBACK_TOPIC;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(
        admin,
        [topic],
        this.messaging.kafkaPartitions,
        this.messaging.kafkaReplicationFactor,
      );
    } finally {
      await admin.disconnect();
    }
    const consumer = this.kafka.consumer({
      groupId: this.messaging.topicPrefix + this.learner.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 50,
      retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Partitions hold disjoint users: their batches apply in parallel and queue only for the global layer's rows
      // (LearnerBatch.flushModel), so database writes of one batch overlap the next batch's in-memory work.
      partitionsConsumedConcurrently: this.messaging.kafkaPartitions,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
        const events: FeedbackPayload[] = [];
        for (const m of batch.messages) {
          try {
            events.push(JSON.parse(m.value?.toString('utf8') ?? 'null') as FeedbackPayload);
          } catch {
            this.log.warn(`skipping an unparseable message at ${batch.topic}/${batch.partition}@${m.offset}`);
          }
        }
        await handler(events);
        const last = batch.messages[batch.messages.length - 1];
        if (last) resolveOffset(last.offset);
        await commitOffsetsIfNecessary({
          topics: [
            {
              topic: batch.topic,
              partitions: [
                { partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
              ],
            },
          ],
        });
        await heartbeat();
      },
    });
  }

  async stop(): Promise<void> {
    const c = this.consumer;
    this.consumer = null;
    await c?.disconnect().catch(() => undefined);
  }
}
