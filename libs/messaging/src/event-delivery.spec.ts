import type { FeedbackEvent } from '@spamfilter/domain';
import { silentBusLogger } from './bus-logger';
import type { DeadLetter, SubscribeOptions } from './event-bus.port';
import { deliverBatch, deliverEvent, type DeliveryContext, type RawEvent } from './event-delivery';
import { MessagingMetrics } from './messaging-metrics';
import { TOPICS } from './topics';

function event(id: string): FeedbackEvent {
  return {
    eventId: id,
    userId: 'u1',
    tenantId: 't1',
    kind: 'learn',
    label: 'spam',
    reference: null,
    messageId: `m-${id}`,
    occurredAt: 'now',
  };
}
const raw = (offset: number, value: unknown): RawEvent => ({
  key: 'u1',
  value: typeof value === 'string' ? value : JSON.stringify(value),
  partition: 2,
  offset: String(offset),
});

function context(opts: SubscribeOptions = {}, abort = new AbortController()) {
  const letters: { raw: RawEvent; letter: DeadLetter }[] = [];
  const metrics = new MessagingMetrics();
  let failWrites = 0;
  const ctx: DeliveryContext<'spamfilter.feedback.v1'> = {
    topic: TOPICS.feedback,
    physical: `p.${TOPICS.feedback}`,
    groupId: 'learner',
    retry: { initialMs: 1, maxMs: 2, maxAttempts: 3 },
    opts,
    logger: silentBusLogger,
    metrics,
    signal: abort.signal,
    deadLetter: (r, letter) => {
      if (failWrites > 0) {
        failWrites--;
        return Promise.reject(new Error('broker away'));
      }
      letters.push({ raw: r, letter });
      return Promise.resolve();
    },
  };
  return { ctx, letters, metrics, abort, failNextWrites: (n: number) => void (failWrites = n) };
}

describe('deliverEvent', () => {
  it('dead-letters a handler that always throws after maxAttempts, with the last error, and counts it', async () => {
    const { ctx, letters, metrics } = context();
    const attempts: number[] = [];
    const done = await deliverEvent(ctx, raw(41, event('a')), async (_e, meta) => {
      attempts.push(meta.attempt);
      throw new Error(`no ${meta.attempt}`);
    });
    expect(done).toBe(true);
    expect(attempts).toEqual([1, 2, 3]);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.letter).toEqual({
      reason: 'failed',
      error: 'no 3',
      topic: 'p.spamfilter.feedback.v1',
      partition: 2,
      offset: '41',
      group: 'learner',
      attempts: 3,
    });
    expect(await metrics.deadLetteredCount(TOPICS.feedback, 'learner', 'failed')).toBe(1);
    expect((await metrics.handlerFailures.get()).values[0]!.value).toBe(3);
  });

  it('dead-letters an invalid event at once without calling the handler', async () => {
    const { ctx, letters, metrics } = context();
    let calls = 0;
    const done = await deliverEvent(ctx, raw(7, { ...event('a'), userId: 42 }), async () => void calls++);
    expect(done).toBe(true);
    expect(calls).toBe(0);
    expect(letters[0]!.letter.reason).toBe('invalid');
    expect(letters[0]!.letter.error).toMatch(/userId: Invalid input: expected string, received number/);
    expect(letters[0]!.letter.attempts).toBe(0);
    expect(await metrics.deadLetteredCount(TOPICS.feedback, 'learner', 'invalid')).toBe(1);
  });

  it('does not count attempts while a dependency is down, and retries the dead-letter write itself', async () => {
    let healthy = false;
    const { ctx, letters, failNextWrites } = context({ dependencyHealthy: () => Promise.resolve(healthy) });
    failNextWrites(2);
    const attempts: number[] = [];
    const done = await deliverEvent(ctx, raw(1, event('a')), async (_e, meta) => {
      attempts.push(meta.attempt);
      if (meta.attempt === 6) healthy = true; // the outage ends; from now on failures count
      throw new Error('database down');
    });
    expect(done).toBe(true);
    // 6 uncounted attempts during the outage, then 3 counted ones (the 6th already counts)
    expect(attempts).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.letter.attempts).toBe(8);
  });

  it('returns false and writes nothing when the subscription stops during the backoff', async () => {
    const abort = new AbortController();
    const { ctx, letters } = context({}, abort);
    const slow = { ...ctx, retry: { initialMs: 60_000, maxMs: 60_000, maxAttempts: 3 } };
    const delivering = deliverEvent(slow, raw(1, event('a')), () => Promise.reject(new Error('x')));
    setTimeout(() => abort.abort(), 10);
    expect(await delivering).toBe(false);
    expect(letters).toEqual([]);
  });
});

describe('deliverBatch', () => {
  it('hands the valid events to the handler at once and dead-letters the invalid ones', async () => {
    const { ctx, letters } = context();
    const batches: string[][] = [];
    const raws = [raw(10, event('a')), raw(11, 'not json'), raw(12, event('b'))];
    const n = await deliverBatch(ctx, raws, async (events, meta) => {
      expect(meta).toEqual({ topic: TOPICS.feedback, partition: 2 });
      batches.push(events.map((e) => e.eventId));
    });
    expect(n).toBe(3);
    expect(batches).toEqual([['a', 'b']]);
    expect(letters.map((l) => [l.letter.offset, l.letter.reason])).toEqual([['11', 'invalid']]);
  });

  it('when the batch fails, handles its events one at a time: the poison event alone is dead-lettered', async () => {
    const { ctx, letters } = context();
    const calls: string[][] = [];
    const raws = [
      raw(20, event('a')),
      raw(21, event('poison')),
      raw(22, { nope: true }),
      raw(23, event('c')),
    ];
    const n = await deliverBatch(ctx, raws, async (events) => {
      calls.push(events.map((e) => e.eventId));
      if (events.some((e) => e.eventId === 'poison')) throw new Error('poison');
    });
    expect(n).toBe(4);
    expect(calls).toEqual([['a', 'poison', 'c'], ['a'], ['poison'], ['poison'], ['poison'], ['c']]);
    expect(letters.map((l) => [l.letter.offset, l.letter.reason, l.letter.attempts])).toEqual([
      ['21', 'failed', 3],
      ['22', 'invalid', 0],
    ]);
  });

  it('counts only the events done before a stop, so the rest stay uncommitted', async () => {
    const abort = new AbortController();
    const { ctx } = context({}, abort);
    const raws = [raw(30, event('a')), raw(31, event('b')), raw(32, event('c'))];
    const n = await deliverBatch(ctx, raws, async (events) => {
      if (events.length > 1) throw new Error('batch fails');
      if (events[0]!.eventId === 'b') abort.abort(); // stopped while b is being retried
      if (events[0]!.eventId !== 'a') throw new Error('b fails');
    });
    expect(n).toBe(1);
  });

  it('counts a batch that succeeded as done even if a stop came meanwhile', async () => {
    const abort = new AbortController();
    const { ctx } = context({}, abort);
    const n = await deliverBatch(
      ctx,
      [raw(40, event('a')), raw(41, event('b'))],
      async () => void abort.abort(),
    );
    expect(n).toBe(2);
  });
});
