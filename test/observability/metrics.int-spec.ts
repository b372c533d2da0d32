import type { INestApplication } from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { parseAllDocuments } from 'yaml';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { startSink, type Sink } from '../../haraka/sink';
import { bearer, createUser, type TestUser } from '../api/api-fixtures';
import { ZoneDnsServer } from '../dns/zone-dns-server';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import {
  MAIN_OPTIONS,
  postgresKafkaConfig,
  waitFor,
  waitForRecord,
} from '../propagation/propagation-harness';
import { deleteRunTopics } from '../services/kafka-fixtures';
import { freePort, headerValues, sendOnce, startHaraka, type HarakaHandle } from '../smtp/harness';

/**
 * Every process's /metrics after one message and one mark, as production runs them: Haraka (two cluster workers and
 * its master, which serves the plugin's /metrics) → the filter (main.ts's wiring on PostgreSQL, Kafka and a loopback
 * DNS server that never answers the sender's domain) → the sink; then the recipient marks the message spam through
 * the API, the learner trains it over Kafka, and the filter applies the change. Then the dashboard and the alert
 * rules in k8s/monitoring are read and every metric they use must be in one of these scrapes: a renamed metric
 * breaks this test, not a dashboard in production.
 */
const ROOT = join(__dirname, '..', '..');
const ALICE = 'alice@example.net';

/** `# TYPE name kind` lines of a scrape: family → kind. */
function families(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** The value of one series (`name{labels}` exactly as exposed), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Sum of every series of a family whose labels contain `match` (e.g. 'action="accept"'). */
function total(text: string, name: string, match = ''): number {
  return text
    .split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(match))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** Metric names a PromQL expression uses (ours, node's process metrics, and Prometheus' own `up`). */
function metricNames(expr: string): string[] {
  return [
    ...new Set(
      [...expr.matchAll(/\b(spamfilter_[a-z0-9_]+|process_[a-z0-9_]+|nodejs_[a-z0-9_]+|up)\b/g)].map(
        (m) => m[1]!,
      ),
    ),
  ];
}

/** The family a sample name belongs to (a histogram's _bucket, _sum, _count), if the scrapes have it. */
function familyOf(name: string, known: ReadonlyMap<string, string>): string | null {
  if (known.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && (known.get(base) === 'histogram' || known.get(base) === 'summary') ? base : null;
}

describe('/metrics of the filter, the API with its learner, and Haraka after one message and one mark', () => {
  let tdb: TestDatabase;
  let config: AppConfig;
  let dns: ZoneDnsServer;
  let api: INestApplication;
  let filter: FilterApp;
  let sink: Sink;
  let haraka: HarakaHandle;
  let harakaMetrics: string;
  let alice: TestUser;
  const scrapes: { filter: string; api: string; haraka: string } = { filter: '', api: '', haraka: '' };

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    // The sender's domain never answers: SPF/DMARC lookups time out (DNS_TIMEOUT_MS), which /metrics must count.
    dns = await ZoneDnsServer.start({});
    dns.misbehave(/sender\.example/, { mode: 'drop' });
    config = postgresKafkaConfig(tdb.config.url, 'obs', {
      DNS_MODE: 'servers',
      DNS_SERVERS: dns.address,
      DNS_TIMEOUT_MS: '150',
      SCAN_THREADS: '1',
    });
    api = await createApiApp(config, { logger: ['error'], defaultMetrics: true });
    filter = await createFilterApp(
      { ...config, database: { ...config.database, migrationsRun: false } },
      { ...MAIN_OPTIONS, defaultMetrics: true, logger: ['error'] },
    );
    const filterUrl = await filter.listen(0, '127.0.0.1');
    alice = await createUser(api, ALICE);
    sink = await startSink({ store: 'memory' });
    const metricsPort = await freePort();
    haraka = await startHaraka({
      kind: 'inbound',
      filterUrl,
      sinkPort: sink.port,
      hostList: ['example.net'],
      nodes: 2,
      spamfilter: { metrics: { listen: `127.0.0.1:${metricsPort}` } },
    });
    harakaMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
  }, 180_000);

  afterAll(async () => {
    await haraka?.stop();
    await sink?.close();
    await filter?.close();
    await api?.close();
    await dns?.close();
    await tdb?.drop();
    if (config) await deleteRunTopics(config.messaging.topicPrefix, 'obs-cleanup').catch(() => undefined);
  });

  const scrape = async (target: 'filter' | 'api' | 'haraka'): Promise<string> => {
    const server =
      target === 'filter' ? filter.server : target === 'api' ? (api.getHttpServer() as never) : null;
    const text = server
      ? (await request(server).get('/metrics').expect(200)).text
      : await (await fetch(harakaMetrics)).text();
    scrapes[target] = text;
    return text;
  };

  it('counts the message through Haraka and the filter, and the mark through the API, the learner and back to the filter', async () => {
    const sent = await sendOnce(
      haraka.port,
      { from: 'news@sender.example', to: [ALICE] },
      [
        'From: News <news@sender.example>',
        `To: ${ALICE}`,
        'Subject: Weekly offers',
        'Message-ID: <obs-1@sender.example>',
        '',
        'Cheap watches and more, this week only.',
        '',
      ].join('\r\n'),
    );
    expect(sent.data?.code).toBe(250);
    await waitFor(() => Promise.resolve(sink.received === 1), 10_000, 'the message in the sink');
    const reference = headerValues(sink.messages[0]!.raw, 'X-Spam-Reference')[0]!;
    expect(reference).toMatch(/^[0-9A-Z]{26}$/);
    await waitForRecord(api.get(DataSource), reference);
    await request(api.getHttpServer() as never)
      .post('/v1/marks')
      .set(bearer(alice.token))
      .send({ reference, label: 'spam' })
      .expect(201);
    // The learner trains over Kafka, the relay publishes the change, the filter's model applies it.
    await waitFor(
      async () => total(await scrape('filter'), 'spamfilter_mark_to_effect_seconds_count') >= 1,
      30_000,
      'mark → effect on the filter',
    );
    const [f, a, h] = [scrapes.filter, await scrape('api'), await scrape('haraka')];

    // Haraka: counted in a worker, served by the master.
    expect(sample(h, 'spamfilter_haraka_messages_total{direction="inbound",outcome="delivered"}')).toBe(1);
    expect(families(h).has('spamfilter_haraka_filter_failures_total')).toBe(true);

    // The filter.
    expect(total(f, 'spamfilter_scans_total', 'direction="inbound"')).toBe(1);
    expect(total(f, 'spamfilter_scan_duration_seconds_count')).toBe(1);
    for (const check of ['auth', 'content', 'bayes', 'lists'])
      expect(sample(f, `spamfilter_check_duration_seconds_count{check="${check}"}`)).toBe(1);
    expect(total(f, 'spamfilter_symbol_hits_total')).toBeGreaterThan(0);
    expect(total(f, 'spamfilter_dns_queries_total')).toBeGreaterThan(0);
    expect(total(f, 'spamfilter_dns_timeouts_total')).toBeGreaterThan(0);
    expect(sample(f, 'spamfilter_analysis_fallbacks_total')).toBeGreaterThanOrEqual(0);
    expect(sample(f, 'spamfilter_quarantine_messages')).toBe(0);
    expect(sample(f, 'spamfilter_outbound_auto_blocks_total')).toBe(0);
    expect(sample(f, 'spamfilter_dependency_up{dependency="database"}')).toBe(1);
    expect(sample(f, 'spamfilter_dependency_up{dependency="bus"}')).toBe(1);
    expect(total(f, 'spamfilter_model_changes_applied_total')).toBeGreaterThanOrEqual(1);
    expect(total(f, 'spamfilter_mark_to_effect_seconds_sum')).toBeLessThan(30);
    expect(families(f).get('process_cpu_seconds_total')).toBe('counter');

    // The API and its learner.
    expect(sample(a, 'spamfilter_marks_total{kind="learn",label="spam"}')).toBe(1);
    expect(sample(a, 'spamfilter_learner_events_total{outcome="trained"}')).toBe(1);
    expect(sample(a, 'spamfilter_learner_mark_to_trained_seconds_count')).toBe(1);
    expect(sample(a, 'spamfilter_outbox_backlog')).toBeGreaterThanOrEqual(0);
    expect(sample(a, 'spamfilter_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(a, 'spamfilter_outbound_blocked_accounts')).toBe(0);
    expect(sample(a, 'spamfilter_dependency_up{dependency="database"}')).toBe(1);
    // The learner's group has committed the mark: its lag, read from the broker, is back to 0 on every partition.
    await waitFor(
      async () =>
        total(await scrape('api'), 'spamfilter_learner_consumer_lag', 'topic="spamfilter.feedback.v1"') === 0,
      15_000,
      'lag 0',
    );
    expect(scrapes.api).toMatch(
      /^spamfilter_learner_consumer_lag\{topic="spamfilter\.feedback\.v1",partition="0"\} 0$/m,
    );
  }, 90_000);

  it('finds every metric of the Grafana dashboard and the alert rules in these scrapes', () => {
    expect(scrapes.filter && scrapes.api && scrapes.haraka).toBeTruthy();
    const known = new Map([
      ...families(scrapes.filter),
      ...families(scrapes.api),
      ...families(scrapes.haraka),
    ]);
    const dashboard = JSON.parse(
      readFileSync(join(ROOT, 'k8s/monitoring/grafana-dashboard.json'), 'utf8'),
    ) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const rules = parseAllDocuments(
      readFileSync(join(ROOT, 'k8s/monitoring/prometheus-rules.yaml'), 'utf8'),
    )[0]!.toJS() as {
      spec: { groups: { rules: { alert: string; expr: string }[] }[] };
    };
    const uses = [
      ...dashboard.panels.flatMap((p) =>
        (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })),
      ),
      ...rules.spec.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))),
    ];
    expect(uses.length).toBeGreaterThan(40);
    const missing = uses.flatMap((u) =>
      metricNames(u.expr)
        .filter((n) => n !== 'up' && familyOf(n, known) === null)
        .map((n) => `${u.where}: ${n}`),
    );
    expect(missing).toEqual([]);
    // `up` is Prometheus' own; its jobs must be what pod-monitors.yaml makes of the pods' app.kubernetes.io/name.
    const jobs = uses.flatMap((u) => [...u.expr.matchAll(/job="([^"]+)"/g)].map((m) => m[1]!));
    expect(new Set(jobs)).toEqual(new Set(['spamfilter-filter', 'spamfilter-api', 'spamfilter-learner']));
  });
});
