import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { ConfigError, type AppConfig } from '@spamfilter/config';
import { AggregatorRegistry } from 'prom-client';
import type { MetricsService } from './services/metrics.service';

/** Restarts of a crashed worker within this window before the supervisor gives up (a crash loop is a bug). */
const RESTART_WINDOW_MS = 60_000;
const MAX_RESTARTS = 5;

/**
 * FILTER_WORKERS > 1 runs that many filter processes on one port (node:cluster): a scan is single-threaded CPU work,
 * so one process uses one core. Everything the workers must agree on lives outside them — greylisting and rate
 * limits in Redis, lists, policies, reputation and the message log in PostgreSQL, model changes on Kafka — so the
 * embedded stores (in-memory counters, one SQLite file) are refused here with the reason.
 */
export function checkWorkerConfig(config: AppConfig): void {
  if (config.filter.workers === 1) return;
  if (config.counters.store !== 'redis')
    throw new ConfigError(
      'FILTER_WORKERS',
      `${config.filter.workers} needs COUNTERS=redis (greylisting and rate limits shared by the workers)`,
    );
  if (config.database.type !== 'postgres')
    throw new ConfigError(
      'FILTER_WORKERS',
      `${config.filter.workers} needs DB_TYPE=postgres (one SQLite file is not shared by several processes)`,
    );
}

/**
 * The primary of a multi-process filter: forks `count` workers, replaces one that dies (up to MAX_RESTARTS a
 * minute), and on SIGTERM/SIGINT asks each to stop and exits when all have. Resolves when the workers are listening.
 */
export function superviseWorkers(count: number, log: (line: string) => void): Promise<void> {
  let stopping = false;
  const restarts: number[] = [];
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while (restarts.length > 0 && (restarts[0] as number) < now - RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length > MAX_RESTARTS) {
      log(
        `filter worker ${worker.process.pid} died (${signal ?? code}); ${restarts.length} deaths in a minute, stopping`,
      );
      process.exit(1);
    }
    log(`filter worker ${worker.process.pid} died (${signal ?? code}); starting another`);
    cluster.fork();
  });
  const stop = (): void => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return new Promise((resolve) => {
    let listening = 0;
    cluster.on('listening', () => {
      if (++listening === count) resolve();
    });
    for (let i = 0; i < count; i++) cluster.fork();
  });
}

const METRICS_REQUEST = 'spamfilter:metrics-request';
const METRICS_ANSWER = 'spamfilter:metrics-answer';

/** How long a worker waits for the primary's totals before it answers /metrics with its own figures. */
const CLUSTER_METRICS_TIMEOUT_MS = 5000;

/**
 * The primary's half of FILTER_WORKERS' /metrics: whichever worker Prometheus reaches asks the primary, which
 * collects every worker's registries (prom-client's AggregatorRegistry, over the cluster channel) and answers with the
 * totals. Without it each scrape would see one worker's counters, a different one each time, and rate() would read
 * every switch as a counter reset. A worker that is replaced starts from 0: Prometheus sees that as a reset, once.
 */
export function aggregateWorkerMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, msg: { type?: string; id?: string } | null) => {
    if (msg?.type !== METRICS_REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_ANSWER, id: msg.id, text }),
      (err: unknown) =>
        worker.send({
          type: METRICS_ANSWER,
          id: msg.id,
          error: err instanceof Error ? err.message : String(err),
        }),
    );
  });
}

/** The worker's half: its registries answer the primary's collection, and its /metrics serves the primary's totals. */
export function reportToPrimary(metrics: MetricsService): void {
  AggregatorRegistry.setRegistries(metrics.registries());
  // Constructing one installs prom-client's listener that answers the primary's collection (in a worker, only that).
  new AggregatorRegistry();
  const own = metrics.text;
  const pending = new Map<string, (text: string | null) => void>();
  process.on('message', (msg: { type?: string; id?: string; text?: string } | null) => {
    if (msg?.type !== METRICS_ANSWER || !msg.id) return;
    pending.get(msg.id)?.(typeof msg.text === 'string' ? msg.text : null);
  });
  metrics.text = async () => {
    const id = randomUUID();
    const text = await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), CLUSTER_METRICS_TIMEOUT_MS);
      pending.set(id, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
      process.send?.({ type: METRICS_REQUEST, id });
    }).finally(() => pending.delete(id));
    // The primary did not answer (shutting down): this worker's own figures rather than nothing.
    return text ?? own();
  };
}
