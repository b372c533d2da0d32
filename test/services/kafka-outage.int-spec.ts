/**
 * The Kafka adapter when the network to the broker fails and comes back. The consumer's client bootstraps through a
 * TcpProxy on the broker's TESTPROXY listener (scripts/kafka/server.properties.template: advertised as 127.0.0.1:9095),
 * so cutting the proxy cuts every connection it has; the producer talks to the broker directly.
 */
import { randomUUID } from 'node:crypto';
import { KafkaEventBus, silentBusLogger, TOPICS } from '@spamfilter/messaging';
import { deleteRunTopics, feedback, waitFor } from './kafka-fixtures';
import { TcpProxy } from './tcp-proxy';

const RUN = `it-outage-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}.`;

describe('KafkaEventBus across a network outage (real broker behind a TCP proxy)', () => {
  const proxy = new TcpProxy(9095, { host: '127.0.0.1', port: 9094 });
  const direct = new KafkaEventBus({
    brokers: ['127.0.0.1:9092'],
    clientId: 'it-direct',
    topicPrefix: RUN,
    connectTimeoutMs: 3000,
    logger: silentBusLogger,
  });
  const viaProxy = new KafkaEventBus({
    brokers: ['127.0.0.1:9095'],
    clientId: 'it-proxied',
    topicPrefix: RUN,
    connectTimeoutMs: 1000,
    logger: silentBusLogger,
  });

  beforeAll(() => proxy.start());
  afterAll(async () => {
    await Promise.all([viaProxy.close(), direct.close()]);
    await proxy.stop();
    await deleteRunTopics(RUN, 'it-cleanup');
  });

  it('reports down while cut, and its consumer resumes afterwards without losing an event', async () => {
    expect((await viaProxy.health()).status).toBe('up');
    const handled: string[] = [];
    await viaProxy.subscribe(TOPICS.feedback, `g-outage-${RUN}`, async (e) => void handled.push(e.eventId));
    const ids = Array.from({ length: 40 }, (_, i) => `o${i}`);
    const publish = (from: number, to: number): Promise<void> =>
      direct.publishBatch(
        ids.slice(from, to).map((id, k) => ({
          topic: TOPICS.feedback,
          key: `user-${(from + k) % 7}`,
          event: feedback(id, `user-${(from + k) % 7}`),
        })),
      );

    await publish(0, 20);
    await waitFor(() => handled.length >= 20, 30_000, 50);
    expect(proxy.connections).toBeGreaterThan(0);

    proxy.cut();
    await publish(20, 40);
    expect((await viaProxy.health()).status).toBe('down');
    // Instead of a pause: the consumer has tried to reach the broker again and again (its reconnects, refused by the
    // proxy) while the events it would fetch were waiting.
    const refusedAtCut = proxy.refused;
    await waitFor(() => proxy.refused >= refusedAtCut + 3, 60_000, 50);
    const duringOutage = new Set(handled);
    expect(ids.slice(20).some((id) => duringOutage.has(id))).toBe(false); // the cut was real

    proxy.restore();
    await waitFor(() => ids.every((id) => handled.includes(id)), 60_000, 50);
    expect(new Set(handled)).toEqual(new Set(ids)); // nothing lost, nothing foreign (redelivery allowed)
    expect((await viaProxy.health()).status).toBe('up');
  });
});
