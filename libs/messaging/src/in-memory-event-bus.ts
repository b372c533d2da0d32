import { stderrBusLogger, type BusLogger } from './bus-logger';
import {
  DEAD_LETTER_SUFFIX,
  deadLetterHeaders,
  EventBus,
  resolveRetry,
  type BusHealth,
  type EventHandler,
  type RetryPolicy,
  type SubscribeOptions,
  type Subscription,
} from './event-bus.port';
import { deliverEvent, type DeliveryContext } from './event-delivery';
import { MessagingMetrics } from './messaging-metrics';
import { physicalTopic, type TopicEvents, type TopicName } from './topics';

/** Kafka's default partitioner is murmur2; any stable hash keeps "same key → same partition", which is what counts. */
function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

export interface StoredEvent {
  readonly key: string;
  /** Stored as JSON, as on Kafka: handlers never share an object with the publisher or each other. */
  readonly value: string;
  /** Dead letters carry DEAD_LETTER_HEADERS. */
  readonly headers?: Readonly<Record<string, string>>;
}

class Member {
  stopped = false;
  /** The delivery in progress, awaited by stop(). */
  inFlight: Promise<boolean> | null = null;

  constructor(
    private readonly ctx: DeliveryContext<TopicName>,
    private readonly handler: EventHandler<TopicName>,
    /** Aborted by stop(): ends a retry backoff at once. */
    readonly abort: AbortController,
  ) {}

  /** Handles one event (event-delivery.ts): true when done (handled or dead-lettered), false when stopped first. */
  deliver(stored: StoredEvent, partition: number, offset: number): Promise<boolean> {
    return deliverEvent(
      this.ctx,
      { key: stored.key, value: stored.value, partition, offset: String(offset) },
      this.handler,
    );
  }
}

class Group {
  readonly members: Member[] = [];
  readonly pumping: boolean[];
  constructor(readonly committed: number[]) {
    this.pumping = committed.map(() => false);
  }
  /** Partition p belongs to member p mod n, like a range/round-robin assignor after a rebalance. */
  owner(partition: number): Member | undefined {
    const live = this.members.filter((m) => !m.stopped);
    return live.length === 0 ? undefined : live[partition % live.length];
  }
}

/**
 * The in-process "broker": partitioned append-only logs and consumer groups with their own committed offsets.
 * `InMemoryBroker.shared()` is one per process, so two Nest apps in one process (api publishing feedback, learner
 * consuming it in an end-to-end test) see the same topics, as they would on Kafka. Nothing is persisted.
 */
export class InMemoryBroker {
  private static sharedInstance: InMemoryBroker | undefined;
  private readonly topics = new Map<string, StoredEvent[][]>();
  private readonly groups = new Map<string, Group>();

  constructor(readonly partitions = 3) {}

  static shared(): InMemoryBroker {
    InMemoryBroker.sharedInstance ??= new InMemoryBroker();
    return InMemoryBroker.sharedInstance;
  }

  append(
    topic: string,
    key: string,
    value: string,
    headers?: Readonly<Record<string, string>>,
  ): { partition: number; offset: number } {
    const log = this.log(topic);
    const partition = partitionOf(key, this.partitions);
    log[partition].push(headers ? { key, value, headers } : { key, value });
    const offset = log[partition].length - 1;
    for (const [id, group] of this.groups) {
      if (id.startsWith(`${topic}\u0000`)) setImmediate(() => void this.pump(topic, group, partition));
    }
    return { partition, offset };
  }

  join(topic: string, groupId: string, member: Member, fromBeginning: boolean): void {
    const id = `${topic}\u0000${groupId}`;
    let group = this.groups.get(id);
    if (!group) {
      const log = this.log(topic);
      group = new Group(log.map((p) => (fromBeginning ? 0 : p.length)));
      this.groups.set(id, group);
    }
    group.members.push(member);
    this.kickAll(topic, group);
  }

  leave(topic: string, groupId: string, member: Member): void {
    const group = this.groups.get(`${topic}\u0000${groupId}`);
    if (!group) return;
    const i = group.members.indexOf(member);
    if (i >= 0) group.members.splice(i, 1);
    this.kickAll(topic, group);
  }

  /** Committed offsets of a group (next offset to handle, per partition); for tests and diagnostics. */
  committed(topic: string, groupId: string): readonly number[] | undefined {
    return this.groups.get(`${topic}\u0000${groupId}`)?.committed.slice();
  }

  /** Events stored in a topic, all partitions. */
  size(topic: string): number {
    return (this.topics.get(topic) ?? []).reduce((n, p) => n + p.length, 0);
  }

  /** A topic's events, partition by partition (e.g. a dead-letter topic, for tests and diagnostics). */
  read(topic: string): readonly StoredEvent[] {
    return (this.topics.get(topic) ?? []).flat();
  }

  private log(topic: string): StoredEvent[][] {
    let log = this.topics.get(topic);
    if (!log) {
      log = Array.from({ length: this.partitions }, () => []);
      this.topics.set(topic, log);
    }
    return log;
  }

  private kickAll(topic: string, group: Group): void {
    for (let p = 0; p < this.partitions; p++) setImmediate(() => void this.pump(topic, group, p));
  }

  /** One pump per (group, partition): handles the partition's events in order, one at a time. */
  private async pump(topic: string, group: Group, partition: number): Promise<void> {
    if (group.pumping[partition]) return;
    group.pumping[partition] = true;
    try {
      const log = this.log(topic)[partition];
      for (;;) {
        const offset = group.committed[partition];
        if (offset >= log.length) break;
        const member = group.owner(partition);
        if (!member) break;
        const delivery = member.deliver(log[offset], partition, offset);
        member.inFlight = delivery;
        const ok = await delivery;
        if (member.inFlight === delivery) member.inFlight = null;
        if (ok) group.committed[partition] = offset + 1;
      }
    } finally {
      group.pumping[partition] = false;
    }
  }
}

class InMemorySubscription implements Subscription {
  private stopping: Promise<void> | null = null;
  constructor(
    readonly topic: TopicName,
    readonly groupId: string,
    private readonly physical: string,
    private readonly member: Member,
    private readonly broker: InMemoryBroker,
    private readonly onStopped: (s: InMemorySubscription) => void,
  ) {}

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.member.stopped = true;
      this.member.abort.abort();
      // Wait for the handler in progress; its success is committed by the pump.
      await this.member.inFlight?.catch(() => false);
      this.broker.leave(this.physical, this.groupId, this.member);
      this.onStopped(this);
    })();
    return this.stopping;
  }
}

export interface InMemoryEventBusOptions {
  readonly topicPrefix?: string;
  readonly logger?: BusLogger;
  /** Defaults to the process-wide InMemoryBroker.shared(); pass `new InMemoryBroker()` to isolate a test. */
  readonly broker?: InMemoryBroker;
  /** Retry defaults of this bus's subscriptions (MESSAGING_MAX_ATTEMPTS); a subscription's own `retry` wins. */
  readonly retry?: Partial<RetryPolicy>;
  readonly metrics?: MessagingMetrics;
}

/** The embedded default (BUS=memory): the EventBus semantics in process, no persistence. */
export class InMemoryEventBus extends EventBus {
  readonly broker: InMemoryBroker;
  readonly metrics: MessagingMetrics;
  private readonly retry: Partial<RetryPolicy> | undefined;
  private readonly prefix: string;
  private readonly logger: BusLogger;
  private readonly subscriptions = new Set<InMemorySubscription>();
  private closed = false;

  constructor(opts: InMemoryEventBusOptions = {}) {
    super();
    this.broker = opts.broker ?? InMemoryBroker.shared();
    this.prefix = opts.topicPrefix ?? '';
    this.logger = opts.logger ?? stderrBusLogger;
    this.metrics = opts.metrics ?? new MessagingMetrics();
    this.retry = opts.retry;
  }

  publish<T extends TopicName>(topic: T, key: string, event: TopicEvents[T]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event bus is closed'));
    const value = JSON.stringify(event);
    if (value === undefined) return Promise.reject(new Error(`event for ${topic} is not JSON-serialisable`));
    this.broker.append(physicalTopic(this.prefix, topic), key, value);
    return Promise.resolve();
  }

  subscribe<T extends TopicName>(
    topic: T,
    groupId: string,
    handler: EventHandler<T>,
    opts: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.closed) return Promise.reject(new Error('event bus is closed'));
    const physical = physicalTopic(this.prefix, topic);
    const abort = new AbortController();
    const broker = this.broker;
    const member = new Member(
      {
        topic,
        physical,
        groupId,
        retry: resolveRetry(opts, this.retry),
        opts,
        logger: this.logger,
        metrics: this.metrics,
        signal: abort.signal,
        deadLetter: (raw, letter) => {
          broker.append(
            physical + DEAD_LETTER_SUFFIX,
            raw.key,
            raw.value ?? '',
            deadLetterHeaders(letter, new Date()),
          );
          return Promise.resolve();
        },
      },
      handler as EventHandler<TopicName>,
      abort,
    );
    const sub = new InMemorySubscription(topic, groupId, physical, member, this.broker, (s) =>
      this.subscriptions.delete(s),
    );
    this.subscriptions.add(sub);
    this.broker.join(physical, groupId, member, opts.fromBeginning ?? true);
    return Promise.resolve(sub);
  }

  health(): Promise<BusHealth> {
    return Promise.resolve(
      this.closed
        ? { status: 'down', detail: { adapter: 'memory', error: 'closed' } }
        : { status: 'up', detail: { adapter: 'memory' } },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }
}
