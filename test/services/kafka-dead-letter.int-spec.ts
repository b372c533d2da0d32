/**
 * Poison events on the REAL broker (127.0.0.1:9092): an event that is not JSON or not the topic's event, and one
 * whose handler always throws, both end in `<topic>.dlq` (the original key and value, the reason in headers), are
 * counted, are committed (a restarted member of the group does not see them again), and the partition goes on with
 * the next event. The same for the batch consumer the learner uses.
 */
import { randomUUID } from 'node:crypto';
import { KafkaEventBus, silentBusLogger, TOPICS, type SubscribeOptions } from '@spamfilter/messaging';
import { deleteRunTopics, feedback, KAFKA_BROKERS, produceRaw, readTopic, waitFor } from './kafka-fixtures';

const RUN = `it-dlq-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}.`;
const fast: SubscribeOptions = { retry: { initialMs: 20, maxMs: 100, maxAttempts: 3 } };

describe('KafkaEventBus dead letters (real broker)', () => {
  const open: KafkaEventBus[] = [];
  const make = (prefix: string): KafkaEventBus => {
    const b = new KafkaEventBus({
      brokers: KAFKA_BROKERS,
      clientId: 'it-dlq',
      topicPrefix: prefix,
      connectTimeoutMs: 3000,
      logger: silentBusLogger,
    });
    open.push(b);
    return b;
  };
  afterAll(async () => {
    await Promise.all(open.map((b) => b.close()));
    await deleteRunTopics(RUN, 'it-dlq-cleanup');
  });

  it('dead-letters events that are not JSON or not a feedback event at once, commits them and handles the next', async () => {
    const prefix = `${RUN}invalid.`;
    const topic = `${prefix}${TOPICS.feedback}`;
    const group = `g-invalid-${RUN}`;
    const bus = make(prefix);
    const handled: string[] = [];
    const sub = await bus.subscribe(TOPICS.feedback, group, async (e) => void handled.push(e.eventId), fast);
    const { userId: _drop, ...noUser } = feedback('no-user', 'u1');
    // same key: one partition, in this order, so 'ok1' is handled only if both before it were passed over
    await produceRaw(topic, [
      { key: 'u1', value: '{"eventId": "trunc' },
      { key: 'u1', value: JSON.stringify(noUser) },
      { key: 'u1', value: JSON.stringify(feedback('ok1', 'u1')) },
    ]);
    await waitFor(() => handled.length >= 1);
    expect(handled).toEqual(['ok1']);

    const letters = await readTopic(`${topic}.dlq`, 2);
    expect(letters.map((l) => l.value)).toEqual(['{"eventId": "trunc', JSON.stringify(noUser)]);
    expect(letters.map((l) => l.key)).toEqual(['u1', 'u1']);
    expect(letters[0]!.headers).toMatchObject({
      'x-dlq-reason': 'invalid',
      'x-dlq-topic': topic,
      'x-dlq-group': group,
      'x-dlq-attempts': '0',
    });
    expect(letters[0]!.headers['x-dlq-error']).toMatch(/^not JSON/);
    expect(letters[1]!.headers['x-dlq-error']).toMatch(
      /userId: Invalid input: expected string, received undefined/,
    );
    expect(await bus.metrics.deadLetteredCount(TOPICS.feedback, group, 'invalid')).toBe(2);
    expect(await bus.metrics.registry.metrics()).toMatch(
      new RegExp(
        `spamfilter_messaging_dead_lettered_total\\{topic="spamfilter.feedback.v1",group="${group}",reason="invalid"\\} 2`,
      ),
    );

    // Committed: a new member of the group starts after them.
    await sub.stop();
    const again: string[] = [];
    await make(prefix).subscribe(TOPICS.feedback, group, async (e) => void again.push(e.eventId), fast);
    await make(prefix).publish(TOPICS.feedback, 'u1', feedback('ok2', 'u1'));
    await waitFor(() => again.length >= 1);
    expect(again).toEqual(['ok2']);
  });

  it('dead-letters an event whose handler always throws after maxAttempts and goes on with the next', async () => {
    const prefix = `${RUN}failing.`;
    const group = `g-failing-${RUN}`;
    const bus = make(prefix);
    const attempts: number[] = [];
    const handled: string[] = [];
    const sub = await bus.subscribe(
      TOPICS.feedback,
      group,
      async (e, meta) => {
        if (e.eventId === 'bad') {
          attempts.push(meta.attempt);
          throw new Error('handler bug');
        }
        handled.push(e.eventId);
      },
      fast,
    );
    await bus.publish(TOPICS.feedback, 'u2', feedback('bad', 'u2'));
    await bus.publish(TOPICS.feedback, 'u2', feedback('next', 'u2'));
    await waitFor(() => handled.length >= 1);
    expect(attempts).toEqual([1, 2, 3]);
    expect(handled).toEqual(['next']);

    const [letter] = await readTopic(`${prefix}${TOPICS.feedback}.dlq`, 1);
    expect(JSON.parse(letter!.value)).toMatchObject({ eventId: 'bad', userId: 'u2' });
    expect(letter!.headers).toMatchObject({
      'x-dlq-reason': 'failed',
      'x-dlq-error': 'handler bug',
      'x-dlq-attempts': '3',
      'x-dlq-group': group,
    });
    expect(await bus.metrics.deadLetteredCount(TOPICS.feedback, group, 'failed')).toBe(1);

    await sub.stop();
    const again: string[] = [];
    await make(prefix).subscribe(TOPICS.feedback, group, async (e) => void again.push(e.eventId), fast);
    await bus.publish(TOPICS.feedback, 'u2', feedback('after', 'u2'));
    await waitFor(() => again.length >= 1);
    expect(again).toEqual(['after']);
  });

  it('batch consumer: a batch with a poison event is handled one by one, the poison alone dead-lettered', async () => {
    const prefix = `${RUN}batch.`;
    const group = `g-batch-${RUN}`;
    const bus = make(prefix);
    const ids = ['b0', 'b1', 'poison', 'b3', 'b4'];
    // published before subscribing, so the first fetch holds them all in one batch
    await bus.publishBatch(
      ids.map((id) => ({ topic: TOPICS.feedback, key: 'u3', event: feedback(id, 'u3') })),
    );
    await produceRaw(`${prefix}${TOPICS.feedback}`, [
      { key: 'u3', value: JSON.stringify({ ...feedback('bad-kind', 'u3'), kind: 'forget' }) },
    ]);
    const batches: string[][] = [];
    const handled = new Set<string>();
    await bus.subscribeBatch(
      TOPICS.feedback,
      group,
      async (events) => {
        batches.push(events.map((e) => e.eventId));
        if (events.some((e) => e.eventId === 'poison')) throw new Error('poison in batch');
        events.forEach((e) => handled.add(e.eventId));
      },
      fast,
    );
    await waitFor(() => handled.size >= 4);
    expect([...handled].sort()).toEqual(['b0', 'b1', 'b3', 'b4']);
    expect(batches[0]).toEqual(ids); // one batch first, without the invalid event
    expect(batches.filter((b) => b.length === 1 && b[0] === 'poison')).toHaveLength(3);
    const letters = await readTopic(`${prefix}${TOPICS.feedback}.dlq`, 2);
    expect(letters.map((l) => [JSON.parse(l.value).eventId, l.headers['x-dlq-reason']])).toEqual([
      ['poison', 'failed'],
      ['bad-kind', 'invalid'],
    ]);
  });
});
