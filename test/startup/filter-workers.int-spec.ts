import { postScan, startFilterProcess, type FilterProcess } from '../services/filter-process';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';

/**
 * FILTER_WORKERS=2 as an operator runs it (apps/filter/src/main.ts, a real process) on the real PostgreSQL and Redis:
 * two workers answer scans on one port, a worker that dies is replaced while scans go on, and SIGTERM stops all.
 */
const RAW =
  'From: a@sender.example\r\nTo: user@customer.example\r\nSubject: workers\r\nMessage-ID: <w@sender.example>\r\n\r\nhello\r\n';

async function scan(url: string): Promise<number> {
  return (await postScan(url, RAW)).status;
}

/** spamfilter_scans_total over every label set, from one GET /metrics on a new connection. */
async function scansCounted(url: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, { headers: { connection: 'close' } });
  return (await res.text())
    .split('\n')
    .filter((l) => l.startsWith('spamfilter_scans_total{'))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('filter with FILTER_WORKERS=2', () => {
  let tdb: TestDatabase;
  let filter: FilterProcess | null = null;

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
  });

  afterAll(async () => {
    await filter?.stop(1_000);
    await tdb?.drop();
  });

  it('serves scans from two processes, replaces a dead worker, and stops on SIGTERM', async () => {
    filter = await startFilterProcess({
      FILTER_WORKERS: '2',
      DB_TYPE: 'postgres',
      DB_URL: tdb.config.url,
      COUNTERS: 'redis',
      REDIS_KEY_PREFIX: `workers-test-${process.pid}:`,
    });
    const first = filter.workerPids();
    expect(first).toHaveLength(2);

    const statuses = await Promise.all(Array.from({ length: 20 }, () => scan(filter!.url)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    // /metrics counts both workers' scans whichever worker answers it (each scrape on a fresh connection).
    for (let i = 0; i < 4; i++) expect(await scansCounted(filter.url)).toBe(20);

    process.kill(first[0] as number, 'SIGKILL');
    await until('a replacement worker', () => {
      const now = filter!.workerPids();
      return now.length === 2 && !now.includes(first[0] as number);
    });
    const second = filter.workerPids();
    await until('scans answered again', async () =>
      (await Promise.all([scan(filter!.url), scan(filter!.url), scan(filter!.url)])).every((s) => s === 200),
    );

    const stopping = Date.now();
    expect(await filter.stop(30_000)).toBe(0);
    process.stdout.write(`filter workers: SIGTERM to exit in ${Date.now() - stopping} ms\n`);
    for (const w of second) expect(() => process.kill(w, 0)).toThrow(); // no worker outlives the primary
  }, 180_000);
});
