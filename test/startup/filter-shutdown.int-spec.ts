import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SCAN_HEADERS } from '@spamfilter/domain';
import { postScan, startFilterProcess, type FilterProcess } from '../services/filter-process';

/**
 * SIGTERM (a rolling update, `kill`) stops the filter process as main.ts says: it stops accepting, answers the scan
 * still in flight, writes the message log it still buffers (here every verdict: the flush interval is a minute) and
 * exits 0. Nest's own shutdown hook used to re-raise the signal as soon as Nest had closed, which killed the process
 * before the log was written; and close() used to drop every connection, the one with a scan in flight too.
 */
const RAW =
  'From: a@sender.example\r\nTo: user@customer.example\r\nSubject: shutdown\r\nMessage-ID: <s@sender.example>\r\n\r\nhello\r\n';

/** True once nothing listens on the port any more (the server's close() has begun). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', () => resolve(true));
  });
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('filter process on SIGTERM', () => {
  let dir: string;
  let filter: FilterProcess | null = null;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'filter-shutdown-'));
  });

  afterAll(async () => {
    await filter?.stop(1_000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the scan in flight, writes the buffered message log, then exits 0', async () => {
    const path = join(dir, 'spamfilter.sqlite');
    filter = await startFilterProcess({
      DB_TYPE: 'sqlite',
      DB_SQLITE_PATH: path,
      DNS_MODE: 'off',
      SCAN_LOG_FLUSH_MS: '60000',
      SCAN_LOG_BATCH: '1000',
    });
    const references: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await postScan(filter.url, RAW, `user${i}@customer.example`);
      expect(res.status).toBe(200);
      references.push((JSON.parse(res.body) as { reference: string }).reference);
    }
    const stored = (): string[] => {
      const db = new Database(path, { readonly: true });
      try {
        return (
          db.prepare('SELECT reference FROM scan_record ORDER BY reference').all() as { reference: string }[]
        ).map((r) => r.reference);
      } finally {
        db.close();
      }
    };
    // Still buffered: nothing is written before the flush interval or a shutdown.
    expect(stored()).toHaveLength(0);

    // A scan in flight when the signal comes: its body is half sent. `Expect: 100-continue` makes the server say when
    // it has the request (RFC 9110 §10.1.1): node answers 100 just before it hands the request on.
    const port = Number(new URL(filter.url).port);
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const body = Buffer.from(RAW);
    socket.write(
      `POST /v1/scan HTTP/1.1\r\nHost: filter\r\nContent-Type: message/rfc822\r\nContent-Length: ${body.length}\r\n` +
        `${SCAN_HEADERS.clientIp}: 192.0.2.10\r\n${SCAN_HEADERS.helo}: mail.sender.example\r\n` +
        `${SCAN_HEADERS.mailFrom}: a@sender.example\r\n${SCAN_HEADERS.rcptTo}: late@customer.example\r\nExpect: 100-continue\r\n\r\n`,
    );
    socket.write(body.subarray(0, 20));
    await until('100 Continue', () => answer.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
    const exited = filter.stop(20_000);
    // The signal has been handled once the port refuses new connections; only then comes the rest of the body.
    await until('the port to close', () => refused(port));
    socket.end(body.subarray(20));
    await closed;
    const final = answer.slice('HTTP/1.1 100 Continue\r\n\r\n'.length);
    expect(final).toMatch(/^HTTP\/1\.1 200 /);
    const late = (JSON.parse(final.slice(final.indexOf('\r\n\r\n') + 4)) as { reference: string }).reference;
    references.push(late);

    expect(await exited).toBe(0);
    filter = null;
    const written = stored();
    expect(written).toHaveLength(6);
    expect(written).toEqual([...references].sort());
  }, 120_000);
});
