/**
 * The embedded product in one Node process: the filter, the API and the learner on SQLite and the in-process bus
 * (no external service). One process because the in-process bus only connects code in the same process; in
 * production the apps run apart and talk over Kafka. This file is a composition root, not an app: the apps stay
 * independent of each other and are only started side by side here.
 */
import { startApiApp } from '../apps/api/src/bootstrap';
import { createFilterApp } from '../apps/filter/src/bootstrap';
import { ConfigError, loadConfigFromProcess } from '@spamfilter/config';

async function main(): Promise<void> {
  const config = loadConfigFromProcess();
  if (config.messaging.bus !== 'memory' || config.database.type !== 'sqlite') {
    throw new Error('embedded: this launcher is for BUS=memory and DB_TYPE=sqlite; start apps/filter and apps/api apart otherwise');
  }
  // The API runs the migrations first; the filter then opens the same SQLite file.
  const api = await startApiApp(config, { logger: ['error', 'warn'] });
  // The same wiring as apps/filter/src/main.ts: database (lists, policies, message log, trained models), bus (model
  // changes, scan events), counters (greylisting, rate limits) and outbound protection.
  const filter = await createFilterApp(config, {
    connectDatabase: true,
    connectCounters: true,
    connectBus: true,
    connectOutbound: true,
  });
  const filterUrl = await filter.listen();
  process.stdout.write(`filter  ${filterUrl}  (POST /v1/scan, GET /health)\n`);
  process.stdout.write(`api     ${api.url}  (OpenAPI ${api.url}/openapi.json, docs ${api.url}/docs, GET /health)\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void Promise.allSettled([filter.close(), api.app.close()]).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  // One clear line for bad configuration or an unreachable dependency; a stack trace only for bugs.
  const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`embedded: ${message}\n`);
  process.exit(1);
});
