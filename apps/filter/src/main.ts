import { loadConfigFromProcess } from '@spamfilter/config';
import { createFilterApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfigFromProcess();
  const filter = await createFilterApp(config, { defaultMetrics: true, connectDatabase: true, connectCounters: true, connectBus: true, connectOutbound: true });
  const url = await filter.listen();
  process.stdout.write(`filter listening on ${url}\n`);
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
