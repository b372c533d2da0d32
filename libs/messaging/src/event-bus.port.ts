import type { DeadLetterReason, MessagingMetrics } from './messaging-metrics';
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

/** Where a batch came from: one partition's events, in offset order. */
export interface BatchMeta {
  readonly topic: TopicName;
  readonly partition: number;
}

/** Handles one partition's fetched events at once (e.g. one database transaction per batch). */
export type BatchHandler<T extends TopicName> = (
  events: readonly TopicEvents[T][],
  meta: BatchMeta,
) => Promise<void>;

export interface RetryPolicy {
  /** First wait after a failure (default 100 ms); doubles per attempt up to maxMs. */
  readonly initialMs: number;
  /** Longest wait between attempts (default 5000 ms). */
  readonly maxMs: number;
  /**
   * Attempts before the event is dead-lettered (default 8: ≈ 11 s of backoff at the defaults). Only attempts that
   * fail while `dependencyHealthy` says so count (see SubscribeOptions).
   */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 100, maxMs: 5000, maxAttempts: 8 };

/** The dead-letter topic of a physical topic: `<topic>.dlq` (one per topic; the group is in a header). */
export const DEAD_LETTER_SUFFIX = '.dlq';

/**
 * Headers of a dead-lettered message (the value and key are the original bytes, so it can be replayed as it was).
 * Values are UTF-8 strings.
 */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-dlq-reason',
  error: 'x-dlq-error',
  topic: 'x-dlq-topic',
  partition: 'x-dlq-partition',
  offset: 'x-dlq-offset',
  group: 'x-dlq-group',
  attempts: 'x-dlq-attempts',
  at: 'x-dlq-at',
} as const;

/** What the bus knows when it dead-letters an event; the adapters turn it into DEAD_LETTER_HEADERS. */
export interface DeadLetter {
  readonly reason: DeadLetterReason;
  /** One line: the schema problems, or the handler's last error. */
  readonly error: string;
  /** Physical topic the event was consumed from. */
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly group: string;
  readonly attempts: number;
}

export function deadLetterHeaders(d: DeadLetter, at: Date): Record<string, string> {
  const h = DEAD_LETTER_HEADERS;
  return {
    [h.reason]: d.reason,
    [h.error]: d.error.replace(/\s+/g, ' ').slice(0, 500),
    [h.topic]: d.topic,
    [h.partition]: String(d.partition),
    [h.offset]: d.offset,
    [h.group]: d.group,
    [h.attempts]: String(d.attempts),
    [h.at]: at.toISOString(),
  };
}

export interface SubscribeOptions {
  /**
   * Where a consumer group with no committed offset starts: true (default) reads the topic from its beginning so
   * nothing published before the first deployment is lost; false starts at the end (broadcast groups such as one
   * per filter instance on spamfilter.model.v1, which load the current state from the database first).
   */
  readonly fromBeginning?: boolean;
  readonly retry?: Partial<RetryPolicy>;
  /** Called on every failed attempt (the bus also logs it and counts it). */
  readonly onError?: (err: unknown, meta: EventMeta) => void;
  /**
   * Asked after a failed attempt: a failure counts toward `retry.maxAttempts` only when this resolves true (default:
   * always). A learner whose database is down fails every event through no fault of the events; with
   * `dependencyHealthy: () => database answers` it keeps retrying (the partition waits, as before) instead of
   * dead-lettering every event of the outage. A rejection counts as unhealthy.
   */
  readonly dependencyHealthy?: () => Promise<boolean>;
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
 * - every event is checked against its topic's schema (event-schemas.ts) before a handler sees it; one that is not
 *   JSON or not the topic's event is dead-lettered at once (retrying cannot fix it).
 * - a handler that throws is retried with exponential backoff up to `retry.maxAttempts` counted attempts, then the
 *   event is dead-lettered: its original key and value go to `<topic>.dlq` with the reason in headers
 *   (DEAD_LETTER_HEADERS), `spamfilter_messaging_dead_lettered_total` counts it, its offset is committed and the
 *   partition goes on with the next event. Every failed attempt is logged.
 * - events with the same key go to the same partition and are handled in publish order, one at a time.
 * - consumer groups are independent: each group sees every event once (modulo redelivery).
 * - publish resolves when the event is durably accepted (Kafka: acks from all in-sync replicas).
 */
export abstract class EventBus {
  /** Dead-letter and handler-failure counters of this bus, in their own registry (mount it on /metrics). */
  abstract readonly metrics: MessagingMetrics;

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

  /**
   * Like subscribe, but the handler gets one partition's fetched events at once (the learner trains a batch in one
   * transaction). Events that fail the schema are dead-lettered and left out of the batch. When the batch handler
   * throws, the batch's events are handled one at a time, each as a batch of one with the retry budget of a single
   * event, so a poison event is dead-lettered alone and the rest go on (handlers are idempotent by event ID).
   * Default: batches of one, through subscribe().
   */
  subscribeBatch<T extends TopicName>(
    topic: T,
    groupId: string,
    handler: BatchHandler<T>,
    opts?: SubscribeOptions,
  ): Promise<Subscription> {
    return this.subscribe(topic, groupId, (event, meta) => handler([event], meta), opts);
  }

  abstract health(): Promise<BusHealth>;

  /** Stops every subscription made through this bus and releases its connections. Idempotent. */
  abstract close(): Promise<void>;
}

export function retryDelayMs(policy: Pick<RetryPolicy, 'initialMs' | 'maxMs'>, attempt: number): number {
  // attempt 1 failed → initialMs, 2 → 2×, … capped.
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
}

/** The subscription's retry policy: its own keys over the bus's defaults over DEFAULT_RETRY. */
export function resolveRetry(opts?: SubscribeOptions, busDefaults?: Partial<RetryPolicy>): RetryPolicy {
  return { ...DEFAULT_RETRY, ...(busDefaults ?? {}), ...(opts?.retry ?? {}) };
}

/**
 * Whether a failed attempt counts toward maxAttempts: yes unless `dependencyHealthy` says a dependency is down (a
 * probe that throws or hangs past `timeoutMs` counts as down).
 */
export async function attemptCounts(opts: SubscribeOptions | undefined, timeoutMs = 5000): Promise<boolean> {
  const probe = opts?.dependencyHealthy;
  if (!probe) return true;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      probe(),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
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
