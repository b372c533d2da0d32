import { SCAN_HEADERS } from '@spamfilter/domain';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';

/**
 * FILTER_WORKERS=2 as an operator runs it (apps/filter/src/main.ts, a real process) on the real PostgreSQL and Redis:
 * two workers answer scans on one port, a worker that dies is replaced while scans go on, and SIGTERM stops all.
 */
const ROOT = join(__dirname, '..', '..');
const RAW = 'From: a@sender.example\r\nTo: user@customer.example\r\nSubject: workers\r\nMessage-ID: <w@sender.example>\r\n\r\nhello\r\n';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const workersOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);

async function scan(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/scan`, {
    method: 'POST',
    headers: {
      'content-type': 'message/rfc822',
      [SCAN_HEADERS.clientIp]: '192.0.2.10',
      [SCAN_HEADERS.helo]: 'mail.sender.example',
      [SCAN_HEADERS.mailFrom]: 'a@sender.example',
      [SCAN_HEADERS.rcptTo]: 'user@customer.example',
      [SCAN_HEADERS.direction]: 'inbound',
    },
    body: RAW,
  });
  await res.arrayBuffer();
  return res.status;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('filter with FILTER_WORKERS=2', () => {
  let tdb: TestDatabase;
  let child: ChildProcess | null = null;
  let stdout = '';

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await tdb?.drop();
  });

  it('serves scans from two processes, replaces a dead worker, and stops on SIGTERM', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/filter/src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        FILTER_WORKERS: '2',
        FILTER_PORT: String(port),
        DB_TYPE: 'postgres',
        DB_URL: tdb.config.url,
        COUNTERS: 'redis',
        REDIS_KEY_PREFIX: `workers-test-${port}:`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    const pid = child.pid as number;
    await until('the workers listening', () => stdout.includes('(2 workers)'), 60_000);
    const first = workersOf(pid);
    expect(first).toHaveLength(2);

    const statuses = await Promise.all(Array.from({ length: 20 }, () => scan(url)));
    expect(statuses.every((s) => s === 200)).toBe(true);

    process.kill(first[0] as number, 'SIGKILL');
    await until('a replacement worker', () => {
      const now = workersOf(pid);
      return now.length === 2 && !now.includes(first[0] as number);
    }, 60_000);
    const second = workersOf(pid);
    await until('scans answered by both workers again', async () => (await Promise.all([scan(url), scan(url), scan(url)])).every((s) => s === 200), 60_000);

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const w of second) expect(() => process.kill(w, 0)).toThrow(); // no worker outlives the primary
  }, 180_000);
});
