import type { FeedbackEvent } from '@spamfilter/domain';
import { silentBusLogger } from './bus-logger';
import type { EventMeta } from './event-bus.port';
import { InMemoryBroker, InMemoryEventBus } from './in-memory-event-bus';
import { physicalTopic, TOPICS } from './topics';

function feedback(n: number, userId: string): FeedbackEvent {
  return {
    eventId: `e${n}`,
    userId,
    tenantId: 't1',
    kind: 'learn',
    label: 'spam',
    reference: null,
    messageId: `m${n}`,
    occurredAt: new Date(0).toISOString(),
  };
}

/** Polls until `cond` holds; the ceiling only matters when the code is broken. */
async function waitFor(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const fastRetry = { retry: { initialMs: 5, maxMs: 20 } };

describe('InMemoryEventBus', () => {
  let bus: InMemoryEventBus;
  beforeEach(() => {
    bus = new InMemoryEventBus({ broker: new InMemoryBroker(3), logger: silentBusLogger });
  });
  afterEach(() => bus.close());

  it('delivers events with the same key in publish order, one at a time', async () => {
    const seen = new Map<string, number[]>();
    let concurrentPerKey = 0;
    const active = new Set<string>();
    await bus.subscribe(TOPICS.feedback, 'learner', async (e) => {
      if (active.has(e.userId)) concurrentPerKey++;
      active.add(e.userId);
      await new Promise((r) => setTimeout(r, Number(e.eventId.slice(1)) % 3));
      active.delete(e.userId);
      seen.set(e.userId, [...(seen.get(e.userId) ?? []), Number(e.eventId.slice(1))]);
    });
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
    for (let i = 0; i < 60; i++) await bus.publish(TOPICS.feedback, users[i % 5], feedback(i, users[i % 5]));
    await waitFor(() => [...seen.values()].reduce((n, l) => n + l.length, 0) === 60);
    for (const [i, u] of users.entries()) {
      expect(seen.get(u)).toEqual(Array.from({ length: 12 }, (_, k) => i + 5 * k));
    }
    expect(concurrentPerKey).toBe(0);
  });

  it('gives every consumer group every event, independently of the others', async () => {
    const a: string[] = [];
    const b: string[] = [];
    let bFailures = 0;
    let bMayGo = false;
    await bus.subscribe(TOPICS.feedback, 'group-a', async (e) => void a.push(e.eventId));
    await bus.subscribe(
      TOPICS.feedback,
      'group-b',
      async (e) => {
        // Group b is stuck on its first event until the test lets it go; group a must not wait for it.
        if (e.eventId === 'e0' && !bMayGo) {
          bFailures++;
          throw new Error('not yet');
        }
        b.push(e.eventId);
      },
      fastRetry,
    );
    for (let i = 0; i < 10; i++) await bus.publish(TOPICS.feedback, 'same-user', feedback(i, 'same-user'));
    await waitFor(() => a.length === 10 && bFailures > 0);
    expect(b).toEqual([]);
    bMayGo = true;
    await waitFor(() => b.length === 10);
    expect(a).toEqual(b);
  });

  it('shares the work of one group between its members, each event once', async () => {
    const handled: string[] = [];
    const h = async (e: FeedbackEvent): Promise<void> => void handled.push(e.eventId);
    await bus.subscribe(TOPICS.feedback, 'learner', h);
    await bus.subscribe(TOPICS.feedback, 'learner', h);
    for (let i = 0; i < 30; i++) await bus.publish(TOPICS.feedback, `u${i}`, feedback(i, `u${i}`));
    // The group's committed offsets at the end of every partition: it has nothing left to deliver, twice or once.
    const topic = physicalTopic('', TOPICS.feedback);
    await waitFor(() => (bus.broker.committed(topic, 'learner') ?? []).reduce((n, o) => n + o, 0) === 30);
    expect(handled.slice().sort()).toEqual(Array.from({ length: 30 }, (_, i) => `e${i}`).sort());
  });

  it('retries a failing handler with growing attempts and does not skip the event while it has attempts left', async () => {
    const attempts: number[] = [];
    const handled: string[] = [];
    const errors: unknown[] = [];
    await bus.subscribe(
      TOPICS.feedback,
      'learner',
      async (e, meta: EventMeta) => {
        if (e.eventId === 'e0') {
          attempts.push(meta.attempt);
          if (meta.attempt < 4) throw new Error(`boom ${meta.attempt}`);
        }
        handled.push(e.eventId);
      },
      { ...fastRetry, onError: (err) => errors.push(err) },
    );
    await bus.publish(TOPICS.feedback, 'u1', feedback(0, 'u1'));
    await bus.publish(TOPICS.feedback, 'u1', feedback(1, 'u1'));
    await waitFor(() => handled.length === 2);
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(handled).toEqual(['e0', 'e1']); // e1 waited behind e0: same key, same partition
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom 1', 'boom 2', 'boom 3']);
  });

  it('moves an event whose handler always throws to <topic>.dlq after maxAttempts, commits it and goes on', async () => {
    const attempts: number[] = [];
    const handled: string[] = [];
    await bus.subscribe(
      TOPICS.feedback,
      'learner',
      async (e, meta) => {
        if (e.eventId === 'e0') {
          attempts.push(meta.attempt);
          throw new Error('always');
        }
        handled.push(e.eventId);
      },
      { retry: { initialMs: 1, maxMs: 5, maxAttempts: 3 } },
    );
    await bus.publish(TOPICS.feedback, 'u1', feedback(0, 'u1'));
    await bus.publish(TOPICS.feedback, 'u1', feedback(1, 'u1'));
    await waitFor(() => handled.length === 1);
    expect(attempts).toEqual([1, 2, 3]);
    expect(handled).toEqual(['e1']);
    const [letter] = bus.broker.read('spamfilter.feedback.v1.dlq');
    expect(JSON.parse(letter!.value)).toEqual(feedback(0, 'u1'));
    expect(letter!.key).toBe('u1');
    expect(letter!.headers).toMatchObject({
      'x-dlq-reason': 'failed',
      'x-dlq-error': 'always',
      'x-dlq-attempts': '3',
      'x-dlq-group': 'learner',
    });
    expect(await bus.metrics.deadLetteredCount(TOPICS.feedback, 'learner', 'failed')).toBe(1);
    // committed: the group's offset is past both events
    const p = Number(letter!.headers!['x-dlq-partition']);
    expect(bus.broker.committed('spamfilter.feedback.v1', 'learner')![p]).toBe(2);
  });

  it("dead-letters an event that is not the topic's event before any handler sees it", async () => {
    const handled: string[] = [];
    await bus.subscribe(TOPICS.feedback, 'learner', async (e) => void handled.push(e.eventId));
    bus.broker.append('spamfilter.feedback.v1', 'u1', JSON.stringify({ eventId: 'x', userId: 'u1' }));
    bus.broker.append('spamfilter.feedback.v1', 'u1', '{not json');
    await bus.publish(TOPICS.feedback, 'u1', feedback(2, 'u1'));
    await waitFor(() => handled.length === 1);
    expect(handled).toEqual(['e2']);
    const letters = bus.broker.read('spamfilter.feedback.v1.dlq');
    expect(letters.map((l) => l.headers!['x-dlq-reason'])).toEqual(['invalid', 'invalid']);
    expect(letters[0]!.headers!['x-dlq-error']).toMatch(
      /kind: Invalid option: expected one of "learn"\|"undo"\|"unshare"/,
    );
    expect(letters[1]!.headers!['x-dlq-error']).toMatch(/^not JSON/);
    expect(letters[1]!.value).toBe('{not json');
    expect(await bus.metrics.deadLetteredCount(TOPICS.feedback, 'learner', 'invalid')).toBe(2);
  });

  it('after stop delivers nothing more, and a new member of the group resumes at the committed offset', async () => {
    const first: string[] = [];
    // From the 6th event on, the handler waits until stop() has begun: the stop lands part-way, on any machine.
    let release = (): void => undefined;
    const stopping = new Promise<void>((r) => (release = r));
    const sub = await bus.subscribe(TOPICS.feedback, 'learner', async (e) => {
      if (first.length >= 5) await stopping;
      first.push(e.eventId);
    });
    for (let i = 0; i < 20; i++) await bus.publish(TOPICS.feedback, 'u1', feedback(i, 'u1'));
    await waitFor(() => first.length >= 5);
    const stopped = sub.stop();
    release();
    await stopped;
    await sub.stop(); // idempotent
    const atStop = first.length;
    expect(atStop).toBe(6); // the event in progress finishes; nothing after it

    const second: string[] = [];
    await bus.subscribe(TOPICS.feedback, 'learner', async (e) => void second.push(e.eventId));
    await waitFor(() => first.length + second.length === 20);
    // Everything is delivered now, and none of it reached the stopped member.
    expect(first.length).toBe(atStop);
    expect([...first, ...second]).toEqual(Array.from({ length: 20 }, (_, i) => `e${i}`));
  });

  it('stop interrupts the retry backoff and leaves the failing event uncommitted', async () => {
    let calls = 0;
    const sub = await bus.subscribe(
      TOPICS.feedback,
      'learner',
      async () => {
        calls++;
        throw new Error('always');
      },
      { retry: { initialMs: 60_000, maxMs: 60_000 } },
    );
    await bus.publish(TOPICS.feedback, 'u1', feedback(0, 'u1'));
    await waitFor(() => calls === 1);
    const t0 = Date.now();
    await sub.stop();
    // Against the 60 s backoff it interrupts (and jest's 5 s limit would end a stop that waited it out).
    expect(Date.now() - t0).toBeLessThan(60_000);
    const redelivered: string[] = [];
    await bus.subscribe(TOPICS.feedback, 'learner', async (e) => void redelivered.push(e.eventId));
    await waitFor(() => redelivered.length === 1);
    expect(redelivered).toEqual(['e0']);
  });

  it('starts a new group at the end when fromBeginning is false', async () => {
    await bus.publish(TOPICS.feedback, 'u1', feedback(0, 'u1'));
    const seen: string[] = [];
    await bus.subscribe(TOPICS.feedback, 'filter-1', async (e) => void seen.push(e.eventId), {
      fromBeginning: false,
    });
    await bus.publish(TOPICS.feedback, 'u1', feedback(1, 'u1'));
    // e0 and e1 share a key, so a partition: had the group started at the beginning, e0 would have come first.
    await waitFor(() => seen.includes('e1'));
    expect(seen).toEqual(['e1']);
  });

  it('hands each handler its own copy and isolates topic prefixes', async () => {
    const broker = new InMemoryBroker();
    const a = new InMemoryEventBus({ broker, topicPrefix: 'run-a.', logger: silentBusLogger });
    const b = new InMemoryEventBus({ broker, topicPrefix: 'run-b.', logger: silentBusLogger });
    const got: FeedbackEvent[] = [];
    await b.subscribe(TOPICS.feedback, 'g', async (e) => void got.push(e));
    const original = feedback(1, 'u1');
    await a.publish(TOPICS.feedback, 'u1', original);
    await b.publish(TOPICS.feedback, 'u1', feedback(2, 'u1'));
    // Same key, published first: had the prefixes shared a topic, e1 would have arrived before e2.
    await waitFor(() => got.some((e) => e.eventId === 'e2'));
    expect(got.map((e) => e.eventId)).toEqual(['e2']);
    expect(broker.size('run-a.spamfilter.feedback.v1')).toBe(1);
    await Promise.all([a.close(), b.close()]);
    expect((await a.health()).status).toBe('down');
    await expect(a.publish(TOPICS.feedback, 'u1', original)).rejects.toThrow(/closed/);
  });

  it('shares one broker per process by default', () => {
    expect(new InMemoryEventBus().broker).toBe(new InMemoryEventBus().broker);
  });
});
