import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type KafkaMessage,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import { errorMessage, RateLimitedLogger, stderrBusLogger, type BusLogger } from './bus-logger';
import {
  DEAD_LETTER_SUFFIX,
  deadLetterHeaders,
  EventBus,
  resolveRetry,
  type BatchHandler,
  type BusHealth,
  type EventHandler,
  type OutgoingEvent,
  type RetryPolicy,
  type SubscribeOptions,
  type Subscription,
} from './event-bus.port';
import { deliverBatch, deliverEvent, type DeliveryContext, type RawEvent } from './event-delivery';
import { MessagingMetrics } from './messaging-metrics';
import { physicalTopic, type TopicEvents, type TopicName } from './topics';

export interface KafkaEventBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly topicPrefix: string;
  /** TCP connect timeout to a broker; also bounds health(). */
  readonly connectTimeoutMs: number;
  /** Partitions of topics this bus creates (default 3: partitions are the unit of learner parallelism). */
  readonly partitions?: number;
  /** Replication factor of topics this bus creates (default 1: the single development broker). */
  readonly replicationFactor?: number;
  readonly logger?: BusLogger;
  /** kafkajs' own log level routed to the logger (default WARN). */
  readonly kafkaLogLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** Consumer session timeout (default 10 s); a handler must not run longer than this without returning. */
  readonly sessionTimeoutMs?: number;
  /** Retry defaults of this bus's subscriptions (MESSAGING_MAX_ATTEMPTS); a subscription's own `retry` wins. */
  readonly retry?: Partial<RetryPolicy>;
  readonly metrics?: MessagingMetrics;
}

/** A consumed message with its original bytes, so a dead letter carries exactly what was consumed. */
interface KafkaRawEvent extends RawEvent {
  readonly message: KafkaMessage;
}

type Consume<T extends TopicName> =
  | { readonly kind: 'one'; readonly handler: EventHandler<T> }
  | { readonly kind: 'batch'; readonly handler: BatchHandler<T> };

/** Commit a busy partition's progress at least every this many events or this often (and always at batch end). */
const COMMIT_EVERY = 100;
const COMMIT_INTERVAL_MS = 1000;

/** Kafka could not be reached; the message is one line meant for an operator, without a stack trace. */
export class MessagingUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessagingUnavailableError';
  }
}

const LEVELS = {
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
} as const;

/** kafkajs log entries → one line each on our logger (the default creator prints JSON to the console). */
function routeKafkaLogs(logger: BusLogger): (level: logLevel) => (entry: LogEntry) => void {
  return () => (entry) => {
    const {
      message,
      timestamp: _t,
      logger: _l,
      stack: _s,
      ...extra
    } = entry.log as Record<string, unknown> & { message: string };
    const facts = ['broker', 'groupId', 'topic', 'partition', 'error', 'retryCount', 'retryTime']
      .filter((k) => extra[k] !== undefined)
      .map((k) => `${k}=${String(extra[k])}`)
      .join(' ');
    const line = `kafkajs ${entry.namespace}: ${message}${facts ? ` (${facts})` : ''}`;
    switch (entry.level) {
      case logLevel.ERROR:
        logger.error(line);
        break;
      case logLevel.WARN:
        logger.warn(line);
        break;
      case logLevel.INFO:
        logger.log(line);
        break;
      case logLevel.DEBUG:
        logger.debug?.(line);
        break;
      case logLevel.NOTHING:
        break;
    }
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

class KafkaSubscription implements Subscription {
  stopping = false;
  readonly abort = new AbortController();
  /** Handlings in progress (handler + commit), one per partition at most. */
  readonly inFlight = new Set<Promise<void>>();
  private stopped: Promise<void> | null = null;

  constructor(
    readonly topic: TopicName,
    readonly groupId: string,
    readonly consumer: Consumer,
    private readonly onStopped: (s: KafkaSubscription) => void,
  ) {}

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      // From here on no new event is handled; the one in progress finishes and is committed (kafkajs' stop waits
      // for the running eachMessage), later ones stay uncommitted for the group's next member.
      this.stopping = true;
      this.abort.abort();
      // Let the handlers in progress finish and commit while this consumer is still a member of the group; a commit
      // sent after leaving is refused and the event would be handled twice.
      await Promise.allSettled([...this.inFlight]);
      try {
        await this.consumer.stop();
      } finally {
        await this.consumer.disconnect(); // leaves the group: the next member is assigned at once
        this.onStopped(this);
      }
    })();
    return this.stopped;
  }
}

/**
 * BUS=kafka: the EventBus on Apache Kafka through kafkajs 2.2.4. JSON values, the caller's key (user id) as the
 * message key so one user's events share a partition. Producer: acks from all in-sync replicas and one request in
 * flight, so a retried send cannot reorder a key's events (duplicates remain possible: consumers de-duplicate by
 * event ID). Consumers: autoCommit off, the offset committed after the handler succeeded or the event was
 * dead-lettered to `<topic>.dlq` (event-delivery.ts has the rules, shared with the in-process bus).
 */
export class KafkaEventBus extends EventBus {
  readonly metrics: MessagingMetrics;
  private readonly kafka: Kafka;
  /** A client that never retries, for health() and connect(): one quick, clear answer. */
  private readonly probeKafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private probeAdmin: Admin | null = null;
  private producerReady: Promise<void> | null = null;
  private adminReady: Promise<void> | null = null;
  private readonly topicsReady = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly logger: BusLogger;
  private closed = false;

  constructor(private readonly opts: KafkaEventBusOptions) {
    super();
    this.metrics = opts.metrics ?? new MessagingMetrics();
    this.logger = new RateLimitedLogger(opts.logger ?? stderrBusLogger);
    const common = {
      clientId: opts.clientId,
      brokers: [...opts.brokers],
      connectionTimeout: opts.connectTimeoutMs,
      requestTimeout: 30_000,
      logLevel: LEVELS[opts.kafkaLogLevel ?? 'warn'],
      logCreator: routeKafkaLogs(this.logger),
    };
    this.kafka = new Kafka({ ...common, retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 8 } });
    // Publishing gives up sooner (≈ 4 s of retries instead of ≈ 20 s): its callers (the API's outbox relay, the
    // filter's fire-and-forget scan events) retry or count the failure themselves.
    const publishing = new Kafka({
      ...common,
      retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 5 },
    });
    this.probeKafka = new Kafka({
      ...common,
      clientId: `${opts.clientId}-probe`,
      requestTimeout: opts.connectTimeoutMs,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    this.producer = publishing.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    this.admin = publishing.admin();
  }

  /**
   * Checks the broker once. required: throws MessagingUnavailableError (one line) when it cannot be reached;
   * otherwise logs one warning and returns the 'down' health, and the bus keeps trying on each publish.
   */
  async connect(opts: { required: boolean } = { required: true }): Promise<BusHealth> {
    const health = await this.health();
    if (health.status === 'down') {
      const line = `Kafka unreachable at ${this.opts.brokers.join(',')}: ${String(health.detail.error)}`;
      if (opts.required) throw new MessagingUnavailableError(line);
      this.logger.warn(`${line}; continuing, the event bus reports 'down' until it answers`);
      return health;
    }
    await this.connectProducer();
    return health;
  }

  async publish<T extends TopicName>(topic: T, key: string, event: TopicEvents[T]): Promise<void> {
    await this.publishBatch([{ topic, key, event }]);
  }

  override async publishBatch(events: readonly OutgoingEvent[]): Promise<void> {
    if (this.closed) throw new Error('event bus is closed');
    if (events.length === 0) return;
    const byTopic = new Map<string, { key: string; value: string }[]>();
    for (const e of events) {
      const value = JSON.stringify(e.event);
      if (value === undefined) throw new Error(`event for ${e.topic} is not JSON-serialisable`);
      const physical = physicalTopic(this.opts.topicPrefix, e.topic);
      const list = byTopic.get(physical) ?? [];
      list.push({ key: e.key, value });
      byTopic.set(physical, list);
    }
    try {
      await Promise.all([...byTopic.keys()].map((t) => this.ensureTopic(t)));
      await this.connectProducer();
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (err) {
      throw new MessagingUnavailableError(
        `publish to ${[...byTopic.keys()].join(',')} failed: ${errorMessage(err)}`,
      );
    }
  }

  subscribe<T extends TopicName>(
    topic: T,
    groupId: string,
    handler: EventHandler<T>,
    opts: SubscribeOptions = {},
  ): Promise<Subscription> {
    return this.consume(topic, groupId, { kind: 'one', handler }, opts);
  }

  /** One fetched batch per partition at a time (kafkajs eachBatch), committed after the handler; see the port. */
  override subscribeBatch<T extends TopicName>(
    topic: T,
    groupId: string,
    handler: BatchHandler<T>,
    opts: SubscribeOptions = {},
  ): Promise<Subscription> {
    return this.consume(topic, groupId, { kind: 'batch', handler }, opts);
  }

  private async consume<T extends TopicName>(
    topic: T,
    groupId: string,
    mode: Consume<T>,
    opts: SubscribeOptions,
  ): Promise<Subscription> {
    if (this.closed) throw new Error('event bus is closed');
    const physical = physicalTopic(this.opts.topicPrefix, topic);
    const deadLetterTopic = physical + DEAD_LETTER_SUFFIX;
    try {
      await this.ensureTopic(physical);
      // kafkajs' fromBeginning:false means "latest when the first fetch happens", which can be after events published
      // right after subscribe() resolved. Pin a new group to the end offsets now, so "from the end" means "from now".
      if (opts.fromBeginning === false) await this.pinNewGroupToEnd(physical, groupId);
    } catch (err) {
      throw new MessagingUnavailableError(
        `subscribe to ${physical} (group ${groupId}) failed: ${errorMessage(err)}`,
      );
    }
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: this.opts.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1000,
      // An empty poll returns after this long (a fetch with data returns at once); it also bounds how long stop()
      // waits for the fetch in flight.
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
      retry: {
        initialRetryTime: 200,
        maxRetryTime: 5000,
        retries: 8,
        restartOnFailure: async () => !sub.stopping,
      },
    });
    const sub = new KafkaSubscription(topic, groupId, consumer, (s) => this.subscriptions.delete(s));
    let heartbeat: () => Promise<void> = () => Promise.resolve();
    const ctx: DeliveryContext<T, KafkaRawEvent> = {
      topic,
      physical,
      groupId,
      retry: resolveRetry(opts, this.opts.retry),
      opts,
      logger: this.logger,
      metrics: this.metrics,
      signal: sub.abort.signal,
      idle: () => heartbeat(),
      deadLetter: async (raw, letter) => {
        await this.ensureTopic(deadLetterTopic);
        await this.connectProducer();
        await this.producer.send({
          topic: deadLetterTopic,
          acks: -1,
          messages: [
            {
              key: raw.message.key,
              value: raw.message.value,
              headers: deadLetterHeaders(letter, new Date()),
            },
          ],
        });
      },
    };
    consumer.on(consumer.events.CRASH, (e) => {
      this.logger.error(
        `consumer of ${physical} (group ${groupId}) crashed: ${errorMessage(e.payload.error)}; restart: ${String(e.payload.restart)}`,
      );
    });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [physical], fromBeginning: opts.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        // Partitions hold disjoint keys (users): their batches are handled in parallel.
        partitionsConsumedConcurrently: this.opts.partitions ?? 3,
        eachBatch: async (payload) => {
          if (sub.stopping) return;
          const handling = handleBatch(payload);
          sub.inFlight.add(handling);
          try {
            await handling;
          } finally {
            sub.inFlight.delete(handling);
          }
        },
      });
      // Resolve once the group is joined and partitions are assigned.
      await withTimeout(joined, 30_000, `joining group ${groupId}`).catch((err: unknown) =>
        this.logger.warn(errorMessage(err)),
      );
    } catch (err) {
      sub.stopping = true;
      await consumer.disconnect().catch(() => undefined);
      throw new MessagingUnavailableError(
        `subscribe to ${physical} (group ${groupId}) failed: ${errorMessage(err)}`,
      );
    }
    this.subscriptions.add(sub);
    return sub;

    /**
     * One partition's batch, in order. An event is done when its handler succeeded or it was dead-lettered; done
     * offsets are committed at once when the batch ends or the subscription stops, otherwise every COMMIT_EVERY
     * events or COMMIT_INTERVAL_MS, so a busy partition does not pay a commit round trip per event. A crash (not a
     * stop) can therefore redeliver up to COMMIT_EVERY handled events: at-least-once, handlers de-duplicate by ID.
     */
    async function handleBatch(payload: EachBatchPayload): Promise<void> {
      const { batch, resolveOffset, isRunning, isStale } = payload;
      heartbeat = () => payload.heartbeat();
      const raws: KafkaRawEvent[] = batch.messages.map((message) => ({
        key: message.key?.toString('utf8') ?? '',
        value: message.value ? message.value.toString('utf8') : null,
        partition: batch.partition,
        offset: message.offset,
        message,
      }));
      let next: string | null = null;
      let sinceCommit = 0;
      let lastCommit = Date.now();
      const commit = async (): Promise<void> => {
        if (next === null) return;
        const offset = next;
        next = null;
        sinceCommit = 0;
        lastCommit = Date.now();
        await consumer.commitOffsets([{ topic: physical, partition: batch.partition, offset }]);
      };
      const done = (raw: KafkaRawEvent): void => {
        resolveOffset(raw.offset);
        next = (BigInt(raw.offset) + 1n).toString();
      };
      try {
        if (mode.kind === 'batch') {
          if (sub.stopping || !isRunning() || isStale()) return;
          const n = await deliverBatch(ctx, raws, mode.handler);
          if (n > 0) done(raws[n - 1]!);
          return;
        }
        for (const raw of raws) {
          if (sub.stopping || !isRunning() || isStale()) break;
          if (!(await deliverEvent(ctx, raw, mode.handler))) break;
          done(raw);
          sinceCommit++;
          if (sinceCommit >= COMMIT_EVERY || Date.now() - lastCommit >= COMMIT_INTERVAL_MS) await commit();
          await payload.heartbeat();
        }
      } finally {
        // What was handled is committed while this consumer is still a member of the group (also on stop).
        await commit();
      }
    }
  }

  /** A real admin request (DescribeCluster) under the connect timeout; 'down' with the reason otherwise. */
  async health(): Promise<BusHealth> {
    if (this.closed) return { status: 'down', detail: { adapter: 'kafka', error: 'closed' } };
    const admin = (this.probeAdmin ??= this.probeKafka.admin());
    try {
      const cluster = await withTimeout(
        admin.connect().then(() => admin.describeCluster()),
        this.opts.connectTimeoutMs + 2000,
        'describeCluster',
      );
      return {
        status: 'up',
        detail: {
          adapter: 'kafka',
          clusterId: cluster.clusterId,
          brokers: cluster.brokers.length,
          controller: cluster.controller,
        },
      };
    } catch (err) {
      // Start the next probe from a fresh connection.
      this.probeAdmin = null;
      await admin.disconnect().catch(() => undefined);
      return {
        status: 'down',
        detail: { adapter: 'kafka', brokers: this.opts.brokers.join(','), error: errorMessage(err) },
      };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop().catch(() => undefined)));
    await Promise.all([
      this.producer.disconnect().catch(() => undefined),
      this.admin.disconnect().catch(() => undefined),
      this.probeAdmin?.disconnect().catch(() => undefined),
    ]);
  }

  /** A group with no committed offsets starts at the topic's current end (its first commit, made here). */
  private async pinNewGroupToEnd(physical: string, groupId: string): Promise<void> {
    await this.connectAdmin();
    const committed = await this.admin.fetchOffsets({ groupId, topics: [physical] });
    const partitions = committed.find((t) => t.topic === physical)?.partitions ?? [];
    if (partitions.some((p) => p.offset !== '-1')) return;
    const ends = await this.admin.fetchTopicOffsets(physical);
    await this.admin.setOffsets({
      groupId,
      topic: physical,
      partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
    });
  }

  private connectAdmin(): Promise<void> {
    this.adminReady ??= this.admin.connect().catch((err: unknown) => {
      this.adminReady = null;
      throw err;
    });
    return this.adminReady;
  }

  private connectProducer(): Promise<void> {
    this.producerReady ??= this.producer.connect().catch((err: unknown) => {
      this.producerReady = null;
      throw err;
    });
    return this.producerReady;
  }

  /** Creates the topic once per process (partitions 3, replication 1 by default); an existing topic is fine. */
  private ensureTopic(physical: string): Promise<void> {
    let ready = this.topicsReady.get(physical);
    if (!ready) {
      ready = (async () => {
        await this.connectAdmin();
        await this.admin.createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic: physical,
              numPartitions: this.opts.partitions ?? 3,
              replicationFactor: this.opts.replicationFactor ?? 1,
            },
          ],
        });
      })().catch((err: unknown) => {
        this.topicsReady.delete(physical);
        throw err;
      });
      this.topicsReady.set(physical, ready);
    }
    return ready;
  }
}
