import { loadConfigFromProcess } from '@spamfilter/config';
import { startApiApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfigFromProcess();
  const { url } = await startApiApp(config);
  console.log(`spamfilter api listening on ${url} (OpenAPI ${url}/openapi.json, UI ${url}/docs)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
