import { DEFAULT_POLICY } from '@spamfilter/scoring';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import { createEventBus, type EventBus, type ScanEvent } from '@spamfilter/messaging';
import request from 'supertest';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { InMemoryPolicySource } from '../../apps/filter/src/services/policy.service';

/**
 * The filter on the real Kafka (scripts/services.sh, 127.0.0.1:9092) and the counter store: every verdict is
 * published on spamfilter.scans.v1; a policy change on spamfilter.model.v1 drops the policy cache so the next scan
 * uses the new layer. Topics are isolated by a unique prefix.
 */
const MSG = 'From: a@sender.example\r\nTo: bob@hosted.example\r\nSubject: hi\r\n\r\nhello there\r\n';

describe('filter on Kafka: scan events out, model changes in', () => {
  const env = {
    BUS: 'kafka',
    KAFKA_BROKERS: '127.0.0.1:9092',
    KAFKA_TOPIC_PREFIX: `t${randomBytes(4).toString('hex')}.`,
    KAFKA_TOPIC_PARTITIONS: '1',
    COUNTERS: 'memory',
  };
  let filter: FilterApp;
  let probe: EventBus;
  const policies = new InMemoryPolicySource();
  const seen: ScanEvent[] = [];

  beforeAll(async () => {
    const config = loadConfig(env);
    probe = await createEventBus(config.messaging);
    await probe.subscribe('spamfilter.scans.v1', `probe-${randomBytes(3).toString('hex')}`, (e) => {
      seen.push(e);
      return Promise.resolve();
    });
    filter = await createFilterApp(config, { policies, connectBus: true, connectCounters: true });
  }, 60_000);
  afterAll(async () => {
    await filter?.close();
    await probe?.close();
  });

  const scan = async (): Promise<ScanVerdict> =>
    (
      await request(filter.server)
        .post('/v1/scan')
        .set({
          [SCAN_HEADERS.clientIp]: '192.0.2.5',
          [SCAN_HEADERS.helo]: 'mx.sender.example',
          [SCAN_HEADERS.mailFrom]: 'a@sender.example',
          [SCAN_HEADERS.rcptTo]: 'bob@hosted.example',
          'content-type': 'message/rfc822',
        })
        .send(MSG)
        .expect(200)
    ).body as ScanVerdict;

  async function until(cond: () => boolean, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('publishes every verdict on spamfilter.scans.v1', async () => {
    const v = await scan();
    await until(() => seen.some((e) => e.reference === v.reference));
    expect(seen.find((e) => e.reference === v.reference)).toMatchObject({
      action: v.action,
      clientIp: '192.0.2.5',
      recipients: [{ recipient: 'bob@hosted.example', action: v.action }],
    });
  }, 60_000);

  it('drops the policy cache on a policy change event, so the next scan uses the new layer', async () => {
    const shipped = DEFAULT_POLICY.thresholds.tag;
    expect((await scan()).recipients[0].thresholds.tag).toBe(shipped);
    policies.setUser('bob@hosted.example', { thresholds: { tag: 2, greylist: 1 } });
    // cached: still the old policy until the change event arrives
    expect((await scan()).recipients[0].thresholds.tag).toBe(shipped);
    await probe.publish('spamfilter.model.v1', 'u-bob', {
      eventId: randomBytes(8).toString('hex'),
      kind: 'policy',
      userId: 'u-bob',
      version: 2,
      occurredAt: new Date().toISOString(),
      payload: {},
    });
    const end = Date.now() + 30_000;
    let tag = shipped;
    while (tag === shipped && Date.now() < end) {
      tag = (await scan()).recipients[0].thresholds.tag;
      if (tag === shipped) await new Promise((r) => setTimeout(r, 100));
    }
    expect(tag).toBe(2);
  }, 60_000);

  it('reports the bus and counters in /health', async () => {
    const h = await request(filter.server).get('/health').expect(200);
    expect(h.body.dependencies.bus.state).toBe('up');
    expect(h.body.dependencies.counters.state).toBe('up');
  });

  it('dead-letters a malformed model change instead of applying it, and counts it on /metrics', async () => {
    // A producer with a bug: the typed bus does not check on publish, the consumer does.
    await probe.publish('spamfilter.model.v1', 'global', {
      eventId: 'm-bad',
      kind: 'weights',
      userId: null,
    } as never);
    const dlq =
      /spamfilter_messaging_dead_lettered_total\{topic="spamfilter\.model\.v1",group="filter-[^"]+",reason="invalid"\} 1/;
    const scrape = async (): Promise<string> =>
      (await request(filter.server).get('/metrics').expect(200)).text;
    let text = await scrape();
    for (const end = Date.now() + 30_000; !dlq.test(text) && Date.now() < end; text = await scrape())
      await new Promise((r) => setTimeout(r, 100));
    expect(text).toMatch(dlq);
    // the filter goes on: a scan still answers and is published
    const v = await scan();
    await until(() => seen.some((e) => e.reference === v.reference));
  });
});
