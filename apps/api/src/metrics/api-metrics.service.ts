import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import { KafkaConsumerLag, TOPICS, type PartitionLag } from '@spamfilter/messaging';
import { gaugeReadOnScrape } from '@spamfilter/observability';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** What the API's gauges read on scrape (ApiModule binds them to the repositories and the health check). */
export interface ApiMetricSources {
  /** Marks and model changes written to the outbox and not yet published. */
  readonly outboxBacklog: () => Promise<number>;
  readonly outboxOldestPendingAt: () => Promise<Date | null>;
  readonly blockedAccounts: () => Promise<number>;
  readonly databaseUp: () => Promise<boolean>;
  /** The learner's consumer group lag on spamfilter.feedback.v1, or null where there is no learner or no Kafka. */
  readonly consumerLag: (() => Promise<readonly PartitionLag[]>) | null;
  /** Collect node's process metrics (off in tests that create many apps). */
  readonly defaultMetrics?: boolean;
}

/** An event as the learner metrics need it. */
interface HandledEvent {
  readonly eventId: string;
  readonly occurredAt: string;
}

/**
 * Prometheus metrics of one API / learner process (GET /metrics, no API key, like /health). One registry per app,
 * so tests can run several. Database-wide figures (outbox backlog, blocked accounts, consumer lag) are the same on
 * every pod that reports them: dashboards and alerts take their max().
 */
@Injectable()
export class ApiMetricsService implements OnApplicationShutdown {
  readonly registry = new Registry();
  readonly marks = new Counter({
    name: 'spamfilter_marks_total',
    help: 'Marks accepted (the mark and its event written to the outbox), by kind (learn, undo) and label',
    labelNames: ['kind', 'label'],
    registers: [this.registry],
  });
  readonly learnerEvents = new Counter({
    name: 'spamfilter_learner_events_total',
    help: 'Feedback events the learner handled, by outcome (trained, undone, unchanged, skipped, duplicate)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly markToTrained = new Histogram({
    name: 'spamfilter_learner_mark_to_trained_seconds',
    help: 'From a mark accepted by the API to its training committed by the learner (outbox relay, Kafka and the batch included)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  private readonly mounted: Registry[] = [];

  constructor(private readonly sources: ApiMetricSources) {
    if (sources.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    gaugeReadOnScrape({
      name: 'spamfilter_outbox_backlog',
      help: 'Events in the outbox not yet published to the bus (grows while Kafka is down)',
      registers,
      read: sources.outboxBacklog,
    });
    gaugeReadOnScrape({
      name: 'spamfilter_outbox_oldest_age_seconds',
      help: 'Age of the oldest unpublished outbox event (0 when none waits): how late marks reach the learner',
      registers,
      read: async () => {
        const at = await sources.outboxOldestPendingAt();
        return at ? Math.max(0, (Date.now() - at.getTime()) / 1000) : 0;
      },
    });
    gaugeReadOnScrape({
      name: 'spamfilter_outbound_blocked_accounts',
      help: 'Outbound accounts blocked now (automatically or by an operator)',
      registers,
      read: sources.blockedAccounts,
    });
    gaugeReadOnScrape<'dependency'>({
      name: 'spamfilter_dependency_up',
      help: 'Whether a dependency answers, as /health reports it (1 up, 0 down)',
      labelNames: ['dependency'],
      registers,
      read: async () => [{ labels: { dependency: 'database' }, value: (await sources.databaseUp()) ? 1 : 0 }],
    });
    const lag = sources.consumerLag;
    if (lag)
      gaugeReadOnScrape<'topic' | 'partition'>({
        name: 'spamfilter_learner_consumer_lag',
        help: "Feedback events not yet committed by the learner's consumer group, by partition (read from the brokers)",
        labelNames: ['topic', 'partition'],
        registers,
        read: async () =>
          (await lag()).map((p) => ({
            labels: { topic: TOPICS.feedback, partition: String(p.partition) },
            value: p.lag,
          })),
      });
  }

  /** Serves another component's registry on the same /metrics (the event bus's dead-letter counters). */
  mount(registry: Registry): void {
    this.mounted.push(registry);
  }

  /** The exposition text of this registry and every mounted one. */
  text(): Promise<string> {
    return this.mounted.length === 0
      ? this.registry.metrics()
      : Registry.merge([this.registry, ...this.mounted]).metrics();
  }

  markAccepted(kind: 'learn' | 'undo', label: 'spam' | 'ham' | null): void {
    this.marks.inc({ kind, label: label ?? 'none' });
  }

  /** A batch the learner committed: outcomes by kind, and mark → trained for the events it trained or undid. */
  learned(
    events: readonly HandledEvent[],
    outcomes: readonly { readonly status: string }[],
    now = Date.now(),
  ): void {
    outcomes.forEach((o, i) => {
      this.learnerEvents.inc({ outcome: o.status });
      const at = Date.parse(events[i]?.occurredAt ?? '');
      if ((o.status === 'trained' || o.status === 'undone') && Number.isFinite(at))
        this.markToTrained.observe(Math.max(0, now - at) / 1000);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.closeLag?.();
  }

  /** Set by the factory when it opened a lag reader of its own. */
  closeLag: (() => Promise<void>) | null = null;
}

/** The consumer group the learner joins (BusFeedbackSource subscribes with LEARNER_GROUP_ID as it is). */
export function learnerGroupId(config: AppConfig): string {
  return config.learner.groupId;
}

/** A lag reader for the learner's group when this process runs the learner on Kafka, else null. */
export function learnerLag(
  config: AppConfig,
): { read: () => Promise<readonly PartitionLag[]>; close: () => Promise<void> } | null {
  if (!config.learner.enabled || config.messaging.bus !== 'kafka') return null;
  const lag = new KafkaConsumerLag(config.messaging);
  const group = learnerGroupId(config);
  return { read: () => lag.lag(TOPICS.feedback, group), close: () => lag.close() };
}
