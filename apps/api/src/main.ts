import { Logger } from '@nestjs/common';
import { ConfigError, loadConfigFromProcess } from '@spamfilter/config';
import { MessagingUnavailableError } from '@spamfilter/messaging';
import { DatabaseStartupError, openDataSource } from '@spamfilter/persistence';
import { startApiApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfigFromProcess();
  // The database is opened (and migrated) here, before Nest, so that an unreachable database stops start-up with one
  // line rather than a stack trace logged from inside Nest's injector; the app then uses this data source.
  const dataSource = await openDataSource(config.database);
  const { app, url } = await startApiApp(config, { dataSource, defaultMetrics: true });
  new Logger('Main').log(
    `spamfilter api listening on ${url} (OpenAPI ${url}/openapi.json, UI ${url}/docs, GET /metrics)`,
  );
  if (config.console.enabled) new Logger('Main').log(`web console at ${url}/console`);
  const stop = (): void => {
    void app
      .close()
      .then(() => dataSource.destroy())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  // Bad configuration and unreachable dependencies are the operator's to fix: one line naming what is wrong.
  // Anything else is a bug and keeps its stack trace.
  const expected =
    err instanceof ConfigError ||
    err instanceof DatabaseStartupError ||
    err instanceof MessagingUnavailableError;
  process.stderr.write(
    expected
      ? `${(err as Error).message}\n`
      : `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
