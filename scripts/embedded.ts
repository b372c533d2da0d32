/**
 * The embedded product in one Node process: the filter, the API and the learner on SQLite and the in-process bus
 * (no external service). One process because the in-process bus only connects code in the same process; in
 * production the apps run apart and talk over Kafka. This file is a composition root, not an app: the apps stay
 * independent of each other and are only started side by side here.
 */
import { startApiApp } from '../apps/api/src/bootstrap';
import { createFilterApp } from '../apps/filter/src/bootstrap';
import { FilterDatabase } from '../apps/filter/src/services/persistence/filter-database';
import { ConfigError, loadConfigFromProcess } from '@spamfilter/config';
import { createCounterStore } from '@spamfilter/counters';
import { createLogger } from '@spamfilter/observability';
import { DatabaseStartupError, openDataSource } from '@spamfilter/persistence';

async function main(): Promise<void> {
  const config = loadConfigFromProcess();
  if (config.messaging.bus !== 'memory' || config.database.type !== 'sqlite') {
    throw new ConfigError(
      'BUS, DB_TYPE',
      'must be memory and sqlite for the embedded launcher; start apps/filter and apps/api apart otherwise',
    );
  }
  // One data source (migrated on open) for both apps: two connections to one SQLite file would wait on each other's
  // write lock and block this single process for the busy timeout.
  const dataSource = await openDataSource(config.database);
  // One counter store for both apps: with COUNTERS=memory the API's AUTH lockout routes must see the filter's counts.
  const counters = createCounterStore(config.counters);
  // One logger for both apps (Nest's logger is process-wide): LOG_FORMAT (npm start sets pretty) and LOG_LEVEL.
  const logger = createLogger(config.log, 'embedded');
  const api = await startApiApp(config, { logger, dataSource, counters, defaultMetrics: true });
  // The same wiring as apps/filter/src/main.ts — bus (model changes, scan events), counters (greylisting, rate
  // limits, AUTH lockouts) and outbound protection — with the shared database (lists, policies, message log, trained
  // models).
  const filter = await createFilterApp(config, {
    database: new FilterDatabase(config.database, undefined, dataSource),
    counters,
    connectBus: true,
    connectOutbound: true,
    logger,
  });
  const filterUrl = await filter.listen();
  logger.log(`filter listening on ${filterUrl} (POST /v1/scan, GET /health, GET /metrics)`, 'Main');
  logger.log(
    `api listening on ${api.url} (OpenAPI ${api.url}/openapi.json, docs ${api.url}/docs, GET /health, GET /metrics)`,
    'Main',
  );
  if (config.console.enabled) logger.log(`web console at ${api.url}/console`, 'Main');

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void Promise.allSettled([filter.close(), api.app.close()])
      .then(() => Promise.allSettled([dataSource.destroy(), counters.close()]))
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  // One clear line for bad configuration or an unreachable dependency; a stack trace only for bugs.
  const expected = err instanceof ConfigError || err instanceof DatabaseStartupError;
  const message = expected ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`embedded: ${message}\n`);
  process.exit(1);
});
