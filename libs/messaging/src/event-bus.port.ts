import type { TopicEvents, TopicName } from './topics';

/** Where an event came from, passed to the handler with it. */
export interface EventMeta {
  /** Logical topic name (without the prefix). */
  readonly topic: TopicName;
  readonly key: string;
  readonly partition: number;
  /** Offset within the partition, as a decimal string (Kafka offsets are 64-bit). */
  readonly offset: string;
  /** 1 on the first delivery to this subscription, 2… on retries after the handler threw. */
  readonly attempt: number;
}

export type EventHandler<T extends TopicName> = (event: TopicEvents[T], meta: EventMeta) => Promise<void>;

export interface RetryPolicy {
  /** First wait after a failure (default 100 ms); doubles per attempt up to maxMs. */
  readonly initialMs: number;
  /** Longest wait between attempts (default 5000 ms). */
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 100, maxMs: 5000 };

export interface SubscribeOptions {
  /**
   * Where a consumer group with no committed offset starts: true (default) reads the topic from its beginning so
   * nothing published before the first deployment is lost; false starts at the end (broadcast groups such as one
   * per filter instance on spamfilter.model.v1, which load the current state from the database first).
   */
  readonly fromBeginning?: boolean;
  readonly retry?: Partial<RetryPolicy>;
  /** Called on every failed attempt (the bus also logs it); the event is retried, never skipped. */
  readonly onError?: (err: unknown, meta: EventMeta) => void;
}

export interface Subscription {
  readonly topic: TopicName;
  readonly groupId: string;
  /**
   * Stops consuming: waits for the handler in progress (whose success is still committed), then leaves the group.
   * Events not yet handled stay uncommitted for the next member of the group. Idempotent.
   */
  stop(): Promise<void>;
}

export interface BusHealth {
  readonly status: 'up' | 'down';
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface OutgoingEvent<T extends TopicName = TopicName> {
  readonly topic: T;
  readonly key: string;
  readonly event: TopicEvents[T];
}

/**
 * The event port. Semantics, the same in every adapter:
 * - at-least-once: a handler's success commits the event's offset for its group; an event whose handler has not
 *   succeeded is delivered again (after a retry backoff, or to the next member after a restart). Handlers must be
 *   idempotent (every event carries an ID).
 * - a handler that throws is retried with exponential backoff, forever, and never skipped silently: a poison event
 *   blocks its partition and is logged on every attempt, which is what an operator needs to see.
 * - events with the same key go to the same partition and are handled in publish order, one at a time.
 * - consumer groups are independent: each group sees every event once (modulo redelivery).
 * - publish resolves when the event is durably accepted (Kafka: acks from all in-sync replicas).
 */
export abstract class EventBus {
  abstract publish<T extends TopicName>(topic: T, key: string, event: TopicEvents[T]): Promise<void>;

  /** Publishes several events in one request where the adapter can; resolves when all are accepted. */
  async publishBatch(events: readonly OutgoingEvent[]): Promise<void> {
    for (const e of events) await this.publish(e.topic, e.key, e.event as never);
  }

  abstract subscribe<T extends TopicName>(
    topic: T,
    groupId: string,
    handler: EventHandler<T>,
    opts?: SubscribeOptions,
  ): Promise<Subscription>;

  abstract health(): Promise<BusHealth>;

  /** Stops every subscription made through this bus and releases its connections. Idempotent. */
  abstract close(): Promise<void>;
}

export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  // attempt 1 failed → initialMs, 2 → 2×, … capped.
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
}

export function resolveRetry(opts?: SubscribeOptions): RetryPolicy {
  return { ...DEFAULT_RETRY, ...(opts?.retry ?? {}) };
}

/** A sleep that a stop can cut short. */
export function interruptibleSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
