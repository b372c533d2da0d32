import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClamdClient, parseClamdAddress, parseClamdReply, type ClamdAddress } from './clamd-client';

/**
 * The client against real sockets that misbehave (STYLE.md habit 10): a fake clamd on 127.0.0.1:0 (and on a unix
 * socket) that speaks the protocol, or drops, hangs, floods, answers garbage or refuses early. The real clamd is in
 * test/antivirus/clamav.int-spec.ts.
 */
type Behaviour =
  'clamd' | 'infected' | 'drop' | 'hang' | 'garbage' | 'flood' | 'limit' | 'close-silently' | 'slow-reader';

interface Received {
  command: string;
  chunks: number[];
  payload: Buffer;
}

interface FakeClamd {
  readonly address: ClamdAddress;
  readonly received: Received[];
  /** Bytes read from every connection. */
  bytes(): number;
  connections(): Promise<number>;
  close(): Promise<void>;
}

/** Reads "z<COMMAND>\0" and, for INSTREAM, the length-prefixed chunks up to the zero chunk; calls `done` when complete. */
function protocolReader(onChunk: (n: number) => void, done: (r: Received) => void): (data: Buffer) => void {
  let buf = Buffer.alloc(0);
  let command: string | null = null;
  const chunks: number[] = [];
  const payload: Buffer[] = [];
  let finished = false;
  return (data) => {
    if (finished) return;
    buf = Buffer.concat([buf, data]);
    if (command === null) {
      const nul = buf.indexOf(0);
      if (nul < 0) return;
      command = buf.subarray(0, nul).toString('latin1');
      buf = buf.subarray(nul + 1);
      if (command !== 'zINSTREAM') {
        finished = true;
        return done({ command, chunks, payload: Buffer.alloc(0) });
      }
    }
    while (buf.length >= 4) {
      const n = buf.readUInt32BE(0);
      if (n === 0) {
        finished = true;
        return done({ command, chunks, payload: Buffer.concat(payload) });
      }
      if (buf.length < 4 + n) return;
      chunks.push(n);
      onChunk(n);
      payload.push(buf.subarray(4, 4 + n));
      buf = buf.subarray(4 + n);
    }
  };
}

async function startFake(behaviour: Behaviour, unixPath?: string): Promise<FakeClamd> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  let bytes = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const answer = (r: Received): void => {
      received.push(r);
      if (behaviour === 'garbage') return void socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      if (r.command === 'zVERSION') return void socket.end('ClamAV 1.4.6/27480/Sun Nov 22 09:00:00 2026\0');
      if (behaviour === 'infected') socket.end('stream: Win.Test.Fake-1 FOUND\0');
      else if (behaviour === 'close-silently') socket.end();
      else if (behaviour !== 'hang') socket.end('stream: OK\0');
    };
    const read = protocolReader(() => {
      if (behaviour === 'limit') socket.end('INSTREAM size limit exceeded. ERROR\0');
    }, answer);
    socket.on('data', (d: Buffer) => {
      bytes += d.length;
      if (behaviour === 'drop') return void socket.destroy();
      if (behaviour === 'flood') return void socket.write(Buffer.alloc(64 * 1024, 0x41));
      if (behaviour === 'slow-reader') {
        // Reads a little at a time, so the client's writes back up and it has to wait for 'drain'.
        socket.pause();
        setTimeout(() => socket.resume(), 2);
      }
      read(d);
    });
  });
  await new Promise<void>((resolve) =>
    unixPath ? server.listen(unixPath, resolve) : server.listen(0, '127.0.0.1', resolve),
  );
  const addr = server.address();
  const address: ClamdAddress = unixPath
    ? { path: unixPath }
    : { host: '127.0.0.1', port: (addr as { port: number }).port };
  return {
    address,
    received,
    bytes: () => bytes,
    connections: () =>
      new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n)))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what} not met within 30 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('parseClamdReply', () => {
  it('reads clamd’s answers and refuses anything else', () => {
    expect(parseClamdReply('stream: OK')).toEqual({ kind: 'clean' });
    expect(parseClamdReply('stream: Eicar-Test-Signature FOUND')).toEqual({
      kind: 'infected',
      names: ['Eicar-Test-Signature'],
    });
    expect(parseClamdReply('stream: A FOUND\nstream: B.UNOFFICIAL FOUND\n')).toEqual({
      kind: 'infected',
      names: ['A', 'B.UNOFFICIAL'],
    });
    expect(parseClamdReply('7: stream: OK')).toEqual({ kind: 'clean' });
    expect(parseClamdReply('INSTREAM size limit exceeded. ERROR')).toEqual({ kind: 'too-large' });
    expect(parseClamdReply("Can't allocate memory ERROR")).toEqual({
      kind: 'error',
      reason: "clamd: Can't_allocate_memory",
    });
    expect(parseClamdReply('')).toEqual({ kind: 'error', reason: 'empty answer from clamd' });
    expect(parseClamdReply('stream: OK\nstream: OK')).toMatchObject({ kind: 'error' });
    expect(parseClamdReply('220 smtp.example.net ESMTP')).toEqual({
      kind: 'error',
      reason: 'not a clamd answer: "220 smtp.example.net ESMTP"',
    });
  });

  it('makes a virus name safe for a header and an SMTP reply', () => {
    const v = parseClamdReply(`stream: Evil\tname\x01 é${'x'.repeat(300)} FOUND`);
    expect(v.kind).toBe('infected');
    const name = v.kind === 'infected' ? (v.names[0] as string) : '';
    expect(name).toMatch(/^Evil_name_x+$/);
    expect(name).toHaveLength(120);
    // A line break inside the "name" makes it no clamd answer at all, rather than a header of its own.
    expect(parseClamdReply('stream: Evil\r\nX-Injected: yes FOUND')).toMatchObject({ kind: 'error' });
  });
});

describe('parseClamdAddress', () => {
  it('tells unix sockets from TCP addresses', () => {
    expect(parseClamdAddress('/run/clamav/clamd.ctl')).toEqual({ path: '/run/clamav/clamd.ctl' });
    expect(parseClamdAddress('127.0.0.1:3310')).toEqual({ host: '127.0.0.1', port: 3310 });
    expect(parseClamdAddress('[::1]:3310')).toEqual({ host: '::1', port: 3310 });
    expect(parseClamdAddress('clamd.av.svc:3310')).toEqual({ host: 'clamd.av.svc', port: 3310 });
    expect(parseClamdAddress('clamd')).toBeNull();
    expect(parseClamdAddress('127.0.0.1:99999')).toBeNull();
  });
});

describe('ClamdClient against a fake clamd', () => {
  const fakes: FakeClamd[] = [];
  const fake = async (b: Behaviour, unixPath?: string): Promise<FakeClamd> => {
    const f = await startFake(b, unixPath);
    fakes.push(f);
    return f;
  };
  const client = (f: FakeClamd, timeoutMs = 2000, chunkBytes?: number): ClamdClient =>
    new ClamdClient({ address: f.address, timeoutMs, ...(chunkBytes ? { chunkBytes } : {}) });
  const closedAll = (f: FakeClamd): Promise<void> =>
    until(async () => (await f.connections()) === 0, 'every connection closed');

  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  it('sends INSTREAM as length-prefixed chunks ending in a zero chunk, and reads a clean answer', async () => {
    const f = await fake('clamd');
    const message = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i & 0xff));
    await expect(client(f, 2000, 4096).scan(message)).resolves.toEqual({ kind: 'clean' });
    expect(f.received).toHaveLength(1);
    expect(f.received[0]).toMatchObject({ command: 'zINSTREAM', chunks: [4096, 4096, 1808] });
    expect(f.received[0]?.payload.equals(message)).toBe(true);
    await closedAll(f);
  });

  it('reports the virus name', async () => {
    const f = await fake('infected');
    await expect(client(f).scan(Buffer.from('x'))).resolves.toEqual({
      kind: 'infected',
      names: ['Win.Test.Fake-1'],
    });
  });

  it('works over a unix socket and asks VERSION', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clamd-fake-'));
    try {
      const f = await fake('clamd', join(dir, 'clamd.sock'));
      await expect(client(f).scan(Buffer.from('hello'))).resolves.toEqual({ kind: 'clean' });
      await expect(client(f).version()).resolves.toEqual({
        ok: true,
        version: 'ClamAV 1.4.6/27480/Sun Nov 22 09:00:00 2026',
      });
      await closedAll(f);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends every byte to a clamd that reads slowly (the client waits for drain)', async () => {
    const f = await fake('slow-reader');
    const message = Buffer.alloc(3 * 1024 * 1024, 0x42);
    await expect(client(f, 20_000).scan(message)).resolves.toEqual({ kind: 'clean' });
    expect(f.received[0]?.payload.length).toBe(message.length);
  });

  it('a dropped connection, a silent close and garbage are errors with the reason', async () => {
    const drop = await fake('drop');
    const dropped = await client(drop).scan(Buffer.from('x'));
    expect(dropped).toMatchObject({
      kind: 'error',
      reason: expect.stringMatching(/closed the connection without an answer|ECONNRESET|EPIPE/),
    });
    const silent = await fake('close-silently');
    await expect(client(silent).scan(Buffer.from('x'))).resolves.toEqual({
      kind: 'error',
      reason: `clamd at 127.0.0.1:${(silent.address as { port: number }).port} closed the connection without an answer`,
    });
    const garbage = await fake('garbage');
    await expect(client(garbage).scan(Buffer.from('x'))).resolves.toEqual({
      kind: 'error',
      reason: 'not a clamd answer: "HTTP/1.1 400 Bad Request"',
    });
    await expect(client(garbage).version()).resolves.toMatchObject({
      ok: false,
      reason: expect.stringContaining('not a clamd answer'),
    });
    for (const f of [drop, silent, garbage]) await closedAll(f);
  });

  it('gives up on a clamd that hangs after its timeout, and closes the connection', async () => {
    const f = await fake('hang');
    const t0 = performance.now();
    const r = await client(f, 150).scan(Buffer.from('x'));
    expect(r).toEqual({
      kind: 'error',
      reason: `clamd at 127.0.0.1:${(f.address as { port: number }).port} gave no answer in 150 ms`,
    });
    // Ended by its own timer, not by something slower.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    await closedAll(f);
  });

  it('stops at once when the scan deadline aborts it', async () => {
    const f = await fake('hang');
    const controller = new AbortController();
    const pending = client(f, 60_000).scan(Buffer.from('x'), controller.signal);
    await until(async () => (await f.connections()) === 1, 'connected');
    controller.abort();
    await expect(pending).resolves.toEqual({ kind: 'error', reason: 'aborted by the scan deadline' });
    await closedAll(f);
    const before = new AbortController();
    before.abort();
    await expect(client(f).scan(Buffer.from('x'), before.signal)).resolves.toEqual({
      kind: 'error',
      reason: 'aborted before connecting',
    });
  });

  it('bounds what it reads from a peer that keeps talking', async () => {
    const f = await fake('flood');
    await expect(client(f).scan(Buffer.from('x'))).resolves.toMatchObject({
      kind: 'error',
      reason: expect.stringContaining('answered more than 16384 bytes'),
    });
    await closedAll(f);
  });

  it('stops sending when clamd refuses a stream over its limit', async () => {
    const f = await fake('limit');
    await expect(client(f, 2000, 1024).scan(Buffer.alloc(2 * 1024 * 1024))).resolves.toEqual({
      kind: 'too-large',
    });
    await closedAll(f);
    expect(f.bytes()).toBeLessThan(1024 * 1024);
  });

  it('reports nobody listening', async () => {
    const f = await fake('clamd');
    const address = f.address;
    await f.close();
    fakes.length = 0;
    const r = await new ClamdClient({ address, timeoutMs: 2000 }).scan(Buffer.from('x'));
    expect(r).toMatchObject({ kind: 'error', reason: expect.stringContaining('ECONNREFUSED') });
    const missing = await new ClamdClient({
      address: { path: join(tmpdir(), 'no-such-dir-av', 'clamd.sock') },
      timeoutMs: 2000,
    }).scan(Buffer.from('x'));
    expect(missing).toMatchObject({ kind: 'error', reason: expect.stringContaining('ENOENT') });
  });
});
