import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { MARK_PROGRAM, waitUntil } from './mailbox-harness';

/**
 * dovecot/bin/spamfilter-mark (what Dovecot's IMAPSieve pipe runs on a Junk move) against a fake marks API on
 * 127.0.0.1:0 that accepts, refuses, fails, hangs or drops: the move is spooled first and the program exits at once;
 * a spool the API does not take stays (in order) for the next flush; a refusal that can never succeed goes to
 * failed/ without blocking the moves behind it; a resend carries the same Idempotency-Key.
 */
type Mode = 'ok' | 'error' | 'notfound' | 'hang' | 'drop';

interface Seen {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

class FakeMarksApi {
  mode: Mode = 'ok';
  readonly seen: Seen[] = [];
  /** Requests held unanswered in 'hang' mode (the client has not given up on them). */
  readonly held = new Set<ServerResponse>();
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  /** Listens on `port` (0: a free one; the same port again after stop(), as an API coming back). */
  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      switch (this.mode) {
        case 'ok':
          res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"x"}');
          return;
        case 'error':
          res.writeHead(503).end();
          return;
        case 'notfound':
          res.writeHead(404).end();
          return;
        case 'hang':
          // No answer until release(); the client's timeout (or the test) ends it.
          this.held.add(res);
          res.on('close', () => this.held.delete(res));
          return;
        case 'drop':
          req.socket.destroy(); // the mark may have been made, the answer is lost
          return;
      }
    });
  }

  /** Answers the held requests with 201. */
  release(): void {
    for (const res of this.held) res.writeHead(201).end('{}');
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}

describe('spamfilter-mark (the IMAPSieve pipe program)', () => {
  let api: FakeMarksApi;
  let dir: string;
  let spool: string;
  let env: NodeJS.ProcessEnv;

  const files = (sub: 'new' | 'failed' | 'tmp'): string[] =>
    fs.existsSync(path.join(spool, sub)) ? fs.readdirSync(path.join(spool, sub)).sort() : [];

  const run = (args: string[], input?: string): Promise<{ code: number; ms: number; stderr: string }> =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const child = spawn('/bin/sh', [MARK_PROGRAM, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      // Dovecot waits for the program's stdout/stderr to close and for it to exit: so does this.
      child.on('close', (code) =>
        resolve({ code: code ?? -1, ms: Number(process.hrtime.bigint() - started) / 1e6, stderr }),
      );
      child.stdin.end(input ?? '');
    });

  const message = (n: number): string =>
    `From: Deals <deals@shop.example>\r\nTo: alice@example.net\r\nSubject: offer ${n}\r\nMessage-ID: <m${n}@shop.example>\r\n\r\nBuy now ${n}\r\n`;

  beforeEach(async () => {
    api = new FakeMarksApi();
    await api.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-mark-'));
    spool = path.join(dir, 'spool');
    fs.writeFileSync(path.join(dir, 'key'), 'sf_mailbox01_secretsecretsecretsecret01\n', { mode: 0o600 });
    fs.mkdirSync(path.join(dir, 'keys'));
    fs.writeFileSync(path.join(dir, 'keys', 'other.example'), 'sf_mailbox02_othersecretothersecret0002\n');
    writeConf(1);
    env = { PATH: process.env.PATH, SPAMFILTER_MARK_CONF: path.join(dir, 'mark.conf') };
  });

  const writeConf = (timeoutS: number): void =>
    fs.writeFileSync(
      path.join(dir, 'mark.conf'),
      [
        `SPAMFILTER_API_URL=http://127.0.0.1:${api.port}`,
        `SPAMFILTER_KEY_FILE=${dir}/key`,
        `SPAMFILTER_KEY_DIR=${dir}/keys`,
        `SPAMFILTER_SPOOL=${spool}`,
        `SPAMFILTER_TIMEOUT=${timeoutS}`,
        'SPAMFILTER_MAX_BYTES=4096',
        `SPAMFILTER_LOG_FILE=${dir}/log`,
      ].join('\n') + '\n',
    );

  afterEach(async () => {
    // A background flush may still be waiting on a hung request: the spool goes with the test.
    await api.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends the raw message as the mailbox service key, naming the user, and empties the spool', async () => {
    const r = await run(['spam', 'alice+tag@example.net'], message(1));
    expect(r.code).toBe(0);
    await waitUntil(() => api.seen.length === 1 && files('new').length === 0, 5000, 'the mark sent');
    const [req] = api.seen;
    expect(req!.url).toBe('/v1/marks/raw?label=spam&recipient=alice%2btag@example.net');
    expect(req!.headers.authorization).toBe('Bearer sf_mailbox01_secretsecretsecretsecret01');
    expect(req!.headers['content-type']).toBe('message/rfc822');
    expect(req!.headers['idempotency-key']).toMatch(/^[A-Za-z0-9.-]+-\d{20}\.\d+\.[0-9a-f]{12}$/);
    expect(req!.body.toString()).toBe(message(1)); // byte for byte, CRLF kept
    // A domain with its own key file uses it.
    await run(['ham', 'bob@other.example'], message(2));
    await waitUntil(() => api.seen.length === 2 && files('new').length === 0, 5000, 'the second mark sent');
    expect(api.seen[1]!.url).toBe('/v1/marks/raw?label=ham&recipient=bob@other.example');
    expect(api.seen[1]!.headers.authorization).toBe('Bearer sf_mailbox02_othersecretothersecret0002');
  });

  it('keeps moves in order while the API is down or failing, and a flush sends them once it is back', async () => {
    await api.stop(); // connection refused
    await run(['spam', 'alice@example.net'], message(1));
    await waitUntil(() => fs.existsSync(path.join(dir, 'log')), 5000, 'the failed attempt logged');
    // Back on the same port, but answering 503.
    api.mode = 'error';
    await api.start(api.port);
    await run(['ham', 'alice@example.net'], message(1));
    await waitUntil(() => api.seen.length >= 1, 5000, 'an attempt against the failing API');
    await waitUntil(() => !isLocked(spool), 5000, 'the flush given up');
    expect(files('new')).toHaveLength(2);
    const keysBefore = api.seen.map((s) => s.headers['idempotency-key']);
    api.mode = 'ok';
    api.seen.length = 0;
    const flushed = await run(['--flush']);
    expect(flushed.code).toBe(0);
    expect(files('new')).toEqual([]);
    expect(api.seen.map((s) => new URL(s.url, 'http://x').searchParams.get('label'))).toEqual([
      'spam',
      'ham',
    ]);
    // The first move was attempted before (503) and resent with the same key.
    expect(api.seen[0]!.headers['idempotency-key']).toBe(keysBefore[0]);
  });

  it('resends a move whose answer was lost with the same Idempotency-Key', async () => {
    api.mode = 'drop';
    await run(['spam', 'alice@example.net'], message(3));
    await waitUntil(() => api.seen.length === 1 && !isLocked(spool), 5000, 'the dropped attempt');
    expect(files('new')).toHaveLength(1);
    api.mode = 'ok';
    await run(['--flush']);
    expect(api.seen).toHaveLength(2);
    expect(api.seen[1]!.headers['idempotency-key']).toBe(api.seen[0]!.headers['idempotency-key']);
    expect(files('new')).toEqual([]);
  });

  it('has returned while the API still holds the request: a MOVE never waits for the API', async () => {
    writeConf(60);
    api.mode = 'hang';
    const r = await run(['spam', 'alice@example.net'], message(4));
    expect(r.code).toBe(0);
    // The program has exited, yet its request is still open at the API (it would have been ended by now had the
    // program waited for it: the only ends are the 60 s timeout and release()).
    await waitUntil(() => api.held.size === 1, 5000, 'the request held open after the program returned');
    expect(files('new')).toHaveLength(1);
    api.release();
    await waitUntil(() => files('new').length === 0, 5000, 'the spool emptied once the API answered');
  });

  it('gives up on a hung request after SPAMFILTER_TIMEOUT and keeps the move spooled', async () => {
    api.mode = 'hang';
    expect((await run(['spam', 'alice@example.net'], message(4))).code).toBe(0);
    await waitUntil(() => api.seen.length === 1, 5000, 'the hung request');
    await waitUntil(() => !isLocked(spool), 5000, 'the request timed out');
    expect(files('new')).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8')).toMatch(/HTTP 000.*kept for the next flush/);
  });

  it('moves what the API can never take to failed/ and goes on with the next move', async () => {
    api.mode = 'notfound';
    await run(['spam', 'nobody@example.net'], message(5));
    await waitUntil(
      () => files('failed').length === 1 && !isLocked(spool),
      5000,
      'the refused move set aside',
    );
    api.mode = 'ok';
    await run(['spam', 'alice@example.net'], message(6));
    await waitUntil(() => files('new').length === 0 && api.seen.length === 2, 5000, 'the next move sent');
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8')).toMatch(
      /answered 404 for spam by nobody@example\.net/,
    );
    // No key for a domain (no key file at all): set aside, not retried forever.
    fs.rmSync(path.join(dir, 'key'));
    await run(['spam', 'carol@third.example'], message(7));
    await waitUntil(() => files('failed').length === 2, 5000, 'the keyless move set aside');
    expect(api.seen).toHaveLength(2);
  });

  it('does not report a message over SPAMFILTER_MAX_BYTES or without a usable user, and still exits 0', async () => {
    const big = message(8) + 'x'.repeat(5000);
    expect((await run(['spam', 'alice@example.net'], big)).code).toBe(0);
    expect((await run(['spam', ''], message(9))).code).toBe(0);
    expect((await run(['spam', 'two words@example.net'], message(10))).code).toBe(0);
    expect(files('new')).toEqual([]);
    expect(files('tmp')).toEqual([]);
    const log = fs.readFileSync(path.join(dir, 'log'), 'utf8');
    expect(log).toMatch(/over 4096 bytes/);
    expect(log.match(/no usable user name/g)).toHaveLength(2);
    expect(api.seen).toHaveLength(0);
    // A message of exactly the limit is reported.
    const exact = 'Subject: x\r\n\r\n' + 'y'.repeat(4096 - 14);
    await run(['spam', 'alice@example.net'], exact);
    await waitUntil(() => api.seen.length === 1, 5000, 'the message at the limit sent');
    expect(api.seen[0]!.body.length).toBe(4096);
  });
});

/** Whether a flusher holds the spool's lock (flock -n fails while it does). */
function isLocked(spool: string): boolean {
  const lock = path.join(spool, '.lock');
  return fs.existsSync(lock) && spawnSync('flock', ['-n', lock, 'true']).status !== 0;
}
