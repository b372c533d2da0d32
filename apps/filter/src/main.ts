import cluster from 'node:cluster';
import { loadConfigFromProcess } from '@spamfilter/config';
import { createLogger } from '@spamfilter/observability';
import { createFilterApp } from './bootstrap';
import { aggregateWorkerMetrics, checkWorkerConfig, reportToPrimary, superviseWorkers } from './workers';

async function main(): Promise<void> {
  const config = loadConfigFromProcess();
  checkWorkerConfig(config);
  const logger = createLogger(config.log, 'filter');
  if (config.filter.workers > 1 && cluster.isPrimary) {
    aggregateWorkerMetrics();
    await superviseWorkers(config.filter.workers, (line) => logger.warn(line, 'Workers'));
    logger.log(
      `filter listening on http://${config.filter.host}:${config.filter.port} (${config.filter.workers} workers)`,
      'Main',
    );
    return;
  }
  const filter = await createFilterApp(config, {
    defaultMetrics: true,
    connectDatabase: true,
    connectCounters: true,
    connectBus: true,
    connectOutbound: true,
    logger,
  });
  if (cluster.isWorker) reportToPrimary(filter.services.metrics);
  const url = await filter.listen();
  if (cluster.isPrimary) logger.log(`filter listening on ${url}`, 'Main');
  const stop = (): void => {
    void filter.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
