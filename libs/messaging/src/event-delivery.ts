import { errorMessage, type BusLogger } from './bus-logger';
import {
  attemptCounts,
  interruptibleSleep,
  retryDelayMs,
  type BatchHandler,
  type DeadLetter,
  type EventHandler,
  type EventMeta,
  type RetryPolicy,
  type SubscribeOptions,
} from './event-bus.port';
import { decodeEvent } from './event-schemas';
import type { DeadLetterReason, MessagingMetrics } from './messaging-metrics';
import type { TopicName } from './topics';

/** One consumed message as the adapters see it, before decoding. */
export interface RawEvent {
  readonly key: string;
  /** The value as UTF-8 text; null for a message without a value. */
  readonly value: string | null;
  readonly partition: number;
  /** Decimal string (Kafka offsets are 64-bit). */
  readonly offset: string;
}

/**
 * What one subscription gives the shared delivery rules: the adapters differ only in how they fetch, commit and
 * write a dead letter, so validation, retries, dead-lettering, counting and logging are written once, here.
 */
export interface DeliveryContext<T extends TopicName, R extends RawEvent = RawEvent> {
  readonly topic: T;
  /** The topic on the wire (for log lines and the dead letter's headers). */
  readonly physical: string;
  readonly groupId: string;
  readonly retry: RetryPolicy;
  readonly opts: SubscribeOptions;
  readonly logger: BusLogger;
  readonly metrics: MessagingMetrics;
  /** Aborted when the subscription stops: backoffs end at once and the event in progress stays uncommitted. */
  readonly signal: AbortSignal;
  /** Writes the dead letter (the original key and value, the reason in headers); resolves once it is durable. */
  readonly deadLetter: (raw: R, letter: DeadLetter) => Promise<void>;
  /** Called while waiting between attempts (Kafka: a heartbeat, so a long backoff does not cost the assignment). */
  readonly idle?: () => Promise<void>;
}

/**
 * Handles one event: decode and check it, run the handler until it succeeds or its counted attempts reach
 * `retry.maxAttempts`, dead-letter it when it is invalid or exhausted. True when the event is done (handled or
 * dead-lettered: commit it); false when the subscription stopped first (leave it uncommitted).
 */
export async function deliverEvent<T extends TopicName, R extends RawEvent>(
  ctx: DeliveryContext<T, R>,
  raw: R,
  handler: EventHandler<T>,
): Promise<boolean> {
  const decoded = decodeEvent(ctx.topic, raw.value);
  if (!decoded.ok) return deadLetter(ctx, raw, 'invalid', decoded.reason, 0);
  let counted = 0;
  for (let attempt = 1; !ctx.signal.aborted; attempt++) {
    const meta: EventMeta = {
      topic: ctx.topic,
      key: raw.key,
      partition: raw.partition,
      offset: raw.offset,
      attempt,
    };
    try {
      // A handler that throws synchronously is a failed attempt like a rejection.
      await Promise.resolve().then(() => handler(decoded.event, meta));
      return true;
    } catch (err) {
      ctx.metrics.handlerFailures.inc({ topic: ctx.topic, group: ctx.groupId });
      ctx.opts.onError?.(err, meta);
      if (await attemptCounts(ctx.opts)) counted++;
      if (counted >= ctx.retry.maxAttempts) return deadLetter(ctx, raw, 'failed', errorMessage(err), attempt);
      const wait = retryDelayMs(ctx.retry, attempt);
      ctx.logger.warn(
        `handler of ${ctx.physical} (group ${ctx.groupId}) failed on partition ${raw.partition} offset ${raw.offset}, attempt ${attempt} (${counted}/${ctx.retry.maxAttempts} counted); retrying in ${wait} ms: ${errorMessage(err)}`,
      );
      await interruptibleSleep(wait, ctx.signal);
      await ctx.idle?.().catch(() => undefined);
    }
  }
  return false;
}

/**
 * Handles one partition's fetched events with a batch handler (EventBus.subscribeBatch). Returns how many events,
 * from the first, are done (handled or dead-lettered): the adapter commits up to there.
 */
export async function deliverBatch<T extends TopicName, R extends RawEvent>(
  ctx: DeliveryContext<T, R>,
  raws: readonly R[],
  handler: BatchHandler<T>,
): Promise<number> {
  if (raws.length === 0) return 0;
  const partition = raws[0]!.partition;
  const meta = { topic: ctx.topic, partition };
  const decoded = raws.map((raw) => ({ raw, result: decodeEvent(ctx.topic, raw.value) }));
  const valid = decoded.flatMap((d) => (d.result.ok ? [d.result.event] : []));
  let batchDone = valid.length === 0;
  if (!batchDone) {
    try {
      await Promise.resolve().then(() => handler(valid, meta));
      batchDone = true;
    } catch (err) {
      ctx.metrics.handlerFailures.inc({ topic: ctx.topic, group: ctx.groupId });
      ctx.opts.onError?.(err, { ...meta, key: raws[0]!.key, offset: raws[0]!.offset, attempt: 1 });
      ctx.logger.warn(
        `batch handler of ${ctx.physical} (group ${ctx.groupId}) failed on partition ${partition} offsets ${raws[0]!.offset}..${raws.at(-1)!.offset} (${valid.length} events); handling them one at a time: ${errorMessage(err)}`,
      );
    }
  }
  let done = 0;
  for (const { raw, result } of decoded) {
    // A stop does not undo a batch that succeeded: its events count as done (and get committed).
    if (batchDone && result.ok) {
      done++;
      continue;
    }
    // The batch failed (or this event is invalid): this event alone, with a single event's retry budget.
    const ok = result.ok
      ? await deliverEvent(ctx, raw, (event) => handler([event], meta))
      : await deadLetter(ctx, raw, 'invalid', result.reason, 0);
    if (!ok) break;
    done++;
  }
  return done;
}

/** Writes the dead letter, retrying the write itself (the broker may be briefly away) until it lands or we stop. */
async function deadLetter<T extends TopicName, R extends RawEvent>(
  ctx: DeliveryContext<T, R>,
  raw: R,
  reason: DeadLetterReason,
  error: string,
  attempts: number,
): Promise<boolean> {
  const letter: DeadLetter = {
    reason,
    error,
    topic: ctx.physical,
    partition: raw.partition,
    offset: raw.offset,
    group: ctx.groupId,
    attempts,
  };
  for (let attempt = 1; !ctx.signal.aborted; attempt++) {
    try {
      await ctx.deadLetter(raw, letter);
      ctx.metrics.deadLettered.inc({ topic: ctx.topic, group: ctx.groupId, reason });
      ctx.logger.error(
        `dead-lettered ${ctx.physical} partition ${raw.partition} offset ${raw.offset} (group ${ctx.groupId}, ${reason}${attempts ? ` after ${attempts} attempts` : ''}): ${error}`,
      );
      return true;
    } catch (err) {
      const wait = retryDelayMs(ctx.retry, attempt);
      ctx.logger.warn(
        `writing the dead letter of ${ctx.physical} partition ${raw.partition} offset ${raw.offset} failed; retrying in ${wait} ms: ${errorMessage(err)}`,
      );
      await interruptibleSleep(wait, ctx.signal);
      await ctx.idle?.().catch(() => undefined);
    }
  }
  return false;
}
