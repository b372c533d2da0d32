import cluster from 'node:cluster';
import { ConfigError, type AppConfig } from '@spamfilter/config';

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
    throw new ConfigError('FILTER_WORKERS', `${config.filter.workers} needs COUNTERS=redis (greylisting and rate limits shared by the workers)`);
  if (config.database.type !== 'postgres')
    throw new ConfigError('FILTER_WORKERS', `${config.filter.workers} needs DB_TYPE=postgres (one SQLite file is not shared by several processes)`);
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
      log(`filter worker ${worker.process.pid} died (${signal ?? code}); ${restarts.length} deaths in a minute, stopping`);
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
