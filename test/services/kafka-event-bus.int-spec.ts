/**
 * The Kafka adapter against the REAL broker started by `bash scripts/services.sh up kafka` (127.0.0.1:9092).
 * Every run uses its own topic prefix and group ids, so runs never see each other's events.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import {
  KafkaEventBus,
  MessagingUnavailableError,
  silentBusLogger,
  TOPICS,
  type EventMeta,
} from '@spamfilter/messaging';
import { deleteRunTopics, feedback, KAFKA_BROKERS as BROKERS, waitFor } from './kafka-fixtures';

const RUN = `it-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}.`;

function bus(prefix = RUN): KafkaEventBus {
  return new KafkaEventBus({
    brokers: BROKERS,
    clientId: 'int-test',
    topicPrefix: prefix,
    connectTimeoutMs: 3000,
    logger: silentBusLogger,
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('KafkaEventBus (real broker)', () => {
  const open: KafkaEventBus[] = [];
  const make = (prefix?: string): KafkaEventBus => {
    const b = bus(prefix);
    open.push(b);
    return b;
  };
  afterAll(async () => {
    await Promise.all(open.map((b) => b.close()));
    await deleteRunTopics(RUN, 'int-test-cleanup');
  });

  it('reports up with a real DescribeCluster', async () => {
    const health = await make().health();
    expect(health.status).toBe('up');
    expect(health.detail.brokers).toBe(1);
    expect(typeof health.detail.clusterId).toBe('string');
  });

  it('produces and consumes through a consumer group, in order per key', async () => {
    const prefix = `${RUN}order.`;
    const producer = make(prefix);
    const consumer = make(prefix);
    const seen = new Map<string, string[]>();
    await consumer.subscribe(TOPICS.feedback, `g-order-${RUN}`, async (e, meta) => {
      expect(meta.key).toBe(e.userId);
      seen.set(e.userId, [...(seen.get(e.userId) ?? []), e.eventId]);
    });
    const users = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
    const expected = new Map<string, string[]>();
    for (let i = 0; i < 36; i++) {
      const u = users[i % users.length];
      expected.set(u, [...(expected.get(u) ?? []), `o${i}`]);
    }
    // A batch and single publishes both keep per-key order.
    await producer.publishBatch(
      Array.from({ length: 18 }, (_, i) => ({
        topic: TOPICS.feedback,
        key: users[i % 6],
        event: feedback(`o${i}`, users[i % 6]),
      })),
    );
    for (let i = 18; i < 36; i++)
      await producer.publish(TOPICS.feedback, users[i % 6], feedback(`o${i}`, users[i % 6]));
    await waitFor(() => [...seen.values()].reduce((n, l) => n + l.length, 0) >= 36);
    expect(seen).toEqual(expected);
  });

  it('respects committed offsets across a consumer restart: every event handled exactly once by the group', async () => {
    const prefix = `${RUN}restart.`;
    const group = `g-restart-${RUN}`;
    const producer = make(prefix);
    const total = 90;
    const ids = Array.from({ length: total }, (_, i) => `r${i}`);
    await producer.publishBatch(
      ids.map((id, i) => ({
        topic: TOPICS.feedback,
        key: `user-${i % 9}`,
        event: feedback(id, `user-${i % 9}`),
      })),
    );

    const handled: string[] = [];
    const first = make(prefix);
    // After 25 events the first consumer's handlers wait until its stop has begun, so it stops part-way through
    // whatever the machine's speed (at most one more event per partition finishes, and is committed).
    let release = (): void => undefined;
    const stopping = new Promise<void>((r) => (release = r));
    const sub1 = await first.subscribe(TOPICS.feedback, group, async (e) => {
      if (handled.length >= 25) await stopping;
      handled.push(e.eventId);
    });
    await waitFor(() => handled.length >= 25);
    const stopped = sub1.stop();
    release();
    await stopped;
    const handledByFirst = handled.length;
    expect(handledByFirst).toBeLessThan(total);
    await first.close();

    // A new process (new client, same group) takes over where the group's commits say.
    const second = make(prefix);
    await second.subscribe(TOPICS.feedback, group, async (e) => void handled.push(e.eventId));
    await waitFor(() => handled.length >= total);
    // Any duplicate would come before a marker published after everything on the same key: one marker per key (so
    // per partition), each handled after every earlier event of its partition.
    const markers = Array.from({ length: 9 }, (_, k) => `marker-${k}`);
    await producer.publishBatch(
      markers.map((id, k) => ({
        topic: TOPICS.feedback,
        key: `user-${k}`,
        event: feedback(id, `user-${k}`),
      })),
    );
    await waitFor(() => markers.every((m) => handled.includes(m)));
    expect(handled.filter((id) => !id.startsWith('marker-')).sort()).toEqual(ids.slice().sort());
    expect(handled.length).toBeGreaterThan(handledByFirst);
  });

  it('retries a failing handler and does not skip the event or reorder its key', async () => {
    const prefix = `${RUN}retry.`;
    const b = make(prefix);
    const attempts: number[] = [];
    const handled: string[] = [];
    await b.subscribe(
      TOPICS.feedback,
      `g-retry-${RUN}`,
      async (e, meta: EventMeta) => {
        if (e.eventId === 'x0') {
          attempts.push(meta.attempt);
          if (meta.attempt < 3) throw new Error('transient');
        }
        handled.push(e.eventId);
      },
      { retry: { initialMs: 50, maxMs: 200 } },
    );
    await b.publish(TOPICS.feedback, 'same-user', feedback('x0', 'same-user'));
    await b.publish(TOPICS.feedback, 'same-user', feedback('x1', 'same-user'));
    await waitFor(() => handled.length >= 2);
    expect(attempts).toEqual([1, 2, 3]);
    expect(handled).toEqual(['x0', 'x1']);
  });

  it('a failing event stays uncommitted when its consumer stops, and the group handles it after a restart', async () => {
    const prefix = `${RUN}poison.`;
    const group = `g-poison-${RUN}`;
    const b = make(prefix);
    let failures = 0;
    const sub = await b.subscribe(
      TOPICS.feedback,
      group,
      async () => {
        failures++;
        throw new Error('down for now');
      },
      { retry: { initialMs: 50, maxMs: 100 } },
    );
    await b.publish(TOPICS.feedback, 'u', feedback('p0', 'u'));
    await waitFor(() => failures >= 2);
    await sub.stop();
    const got: string[] = [];
    await make(prefix).subscribe(TOPICS.feedback, group, async (e) => void got.push(e.eventId));
    await waitFor(() => got.length >= 1);
    expect(got).toEqual(['p0']);
  });

  it('a new group with fromBeginning false starts at the end as of subscribe(), missing nothing published after', async () => {
    const prefix = `${RUN}end.`;
    const b = make(prefix);
    await b.publishBatch(
      Array.from({ length: 6 }, (_, i) => ({
        topic: TOPICS.feedback,
        key: `k${i}`,
        event: feedback(`old${i}`, `k${i}`),
      })),
    );
    const seen: string[] = [];
    await b.subscribe(TOPICS.feedback, `g-end-${RUN}`, async (e) => void seen.push(e.eventId), {
      fromBeginning: false,
    });
    for (let i = 0; i < 6; i++) await b.publish(TOPICS.feedback, `k${i}`, feedback(`new${i}`, `k${i}`));
    // old<i> and new<i> share a key, so a partition: had the group started at the beginning, each old event would
    // have been handled before its new one. All six new ones seen is the event that rules the old ones out.
    await waitFor(() => ['new0', 'new1', 'new2', 'new3', 'new4', 'new5'].every((id) => seen.includes(id)));
    expect(seen.slice().sort()).toEqual(['new0', 'new1', 'new2', 'new3', 'new4', 'new5']);
  });

  it("is 'down' when pointed at a closed port, and connect() says so in one line", async () => {
    const port = await closedPort();
    const logged: string[] = [];
    const dead = new KafkaEventBus({
      brokers: [`127.0.0.1:${port}`],
      clientId: 'int-test',
      topicPrefix: RUN,
      connectTimeoutMs: 500,
      logger: { ...silentBusLogger, error: (m) => logged.push(m) },
    });
    open.push(dead);
    const health = await dead.health();
    expect(health.status).toBe('down');
    // The refusal itself, not health()'s own time limit ("describeCluster timed out after …").
    expect(String(health.detail.error)).toMatch(/ECONNREFUSED|Connection/i);
    expect(String(health.detail.error)).not.toMatch(/timed out/);

    const err = await dead.connect({ required: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingUnavailableError);
    expect((err as Error).message).toMatch(new RegExp(`^Kafka unreachable at 127\\.0\\.0\\.1:${port}: `));
    expect((err as Error).message).not.toContain('\n');

    const soft = await dead.connect({ required: false });
    expect(soft.status).toBe('down');

    // Publishing gives up within seconds with one line (the API's outbox relay retries later): counted in attempts,
    // not seconds — kafkajs logs each retry with its count, and the publishing client stops after its 5 retries
    // (≈ 4 s of backoff) where the consuming client would go on for 8 (≈ 20 s).
    const published = await dead.publish(TOPICS.feedback, 'u', feedback('d0', 'u')).catch((e: unknown) => e);
    expect(published).toBeInstanceOf(MessagingUnavailableError);
    expect((published as Error).message).toMatch(/^publish to .*spamfilter\.feedback\.v1 failed: /);
    const retries = logged.flatMap((l) => [...l.matchAll(/retryCount=(\d+)/g)].map((m) => Number(m[1])));
    expect(Math.max(...retries)).toBe(5);
  });
});
