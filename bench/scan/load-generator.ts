/**
 * The HTTP load generator of the scan benchmark. It runs in a worker thread, so on a 2-core machine the filter (main
 * thread) and the client do not share one event loop, and it speaks HTTP/1.1 over plain sockets with every request
 * built in advance, so it takes as little of the shared CPU as it can. Closed loop (`rate` 0: `concurrency` requests always in
 * flight) or open loop (`rate` msg/s, latency measured from the scheduled send time, so a stall is not hidden —
 * no coordinated omission).
 */
import { connect, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

export interface LoadJob {
  readonly url: string;
  readonly seconds: number;
  readonly concurrency: number;
  /** 0: closed loop. */
  readonly rate: number;
  /** Closed-loop warm-up (JIT, caches, connections) before measuring, not counted. */
  readonly warmupSeconds?: number;
  readonly messages: readonly {
    readonly raw: Uint8Array;
    readonly headers: Readonly<Record<string, string>>;
  }[];
}

export interface LoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly statusCounts: Record<string, number>;
  readonly latenciesMs: Float64Array;
  readonly elapsedMs: number;
  readonly firstError: string | null;
}

/** Each message as the bytes of one whole HTTP/1.1 request, built once: sending one costs one socket write. */
function requestBytes(job: LoadJob, target: URL): Buffer[] {
  return job.messages.map((m) => {
    const head = [
      `POST ${target.pathname} HTTP/1.1`,
      `Host: ${target.host}`,
      'Content-Type: message/rfc822',
      `Content-Length: ${m.raw.length}`,
    ];
    for (const [k, v] of Object.entries(m.headers)) head.push(`${k}: ${v}`);
    return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), m.raw]);
  });
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * One keep-alive connection with one request in flight. Responses are read with the least parsing that stays
 * correct for the filter's answers (status line, Content-Length, Connection: close), so the client's own CPU — which
 * shares the machine's two cores with the filter — is a fraction of node:http's.
 */
class Connection {
  private socket: Socket | null = null;
  private buffered: Buffer = Buffer.alloc(0);
  private done: ((status: number | Error) => void) | null = null;

  constructor(
    private readonly port: number,
    private readonly host: string,
  ) {}

  send(bytes: Buffer): Promise<number | Error> {
    return new Promise((resolve) => {
      this.done = resolve;
      (this.socket ?? this.open()).write(bytes);
    });
  }

  destroy(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): Socket {
    const socket = connect(this.port, this.host);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (err: Error): void => {
      if (this.socket === socket) this.socket = null;
      this.finish(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed before the response')));
    this.socket = socket;
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headEnd = this.buffered.indexOf(CRLFCRLF);
    if (headEnd < 0) return;
    const head = this.buffered.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    // Without a length the rest of the stream cannot be framed: the connection is not reused.
    if (!length) return this.finish(new Error('response without Content-Length'), true);
    if (this.buffered.length < headEnd + 4 + Number(length[1])) return;
    this.finish(Number(head.slice(9, 12)), /\r\nconnection:\s*close/i.test(head));
  }

  /** Settles the request in flight; `close`: the server ends the connection (or it is unusable), so drop it. */
  private finish(result: number | Error, close = false): void {
    const done = this.done;
    this.done = null;
    this.buffered = Buffer.alloc(0);
    if (close) this.destroy();
    done?.(result);
  }
}

export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const target = new URL('/v1/scan', job.url);
  const requests = requestBytes(job, target);
  const idle: Connection[] = [];
  const all: Connection[] = [];
  const waiting: (() => void)[] = [];
  const maxConnections = Math.max(job.concurrency, 1);
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let firstError: string | null = null;
  let next = 0;
  const start = performance.now();
  const end = start + job.seconds * 1000;

  /** An idle connection, a new one while under the cap, or the next one freed (open loop: requests queue like node:http's Agent). */
  const acquire = async (): Promise<Connection> => {
    const free = idle.pop();
    if (free) return free;
    if (all.length < maxConnections) {
      const c = new Connection(Number(target.port), target.hostname);
      all.push(c);
      return c;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
    return acquire();
  };
  const release = (c: Connection): void => {
    idle.push(c);
    waiting.shift()?.();
  };

  const once = async (scheduledAt: number): Promise<void> => {
    const bytes = requests[next++ % requests.length];
    sent++;
    const connection = await acquire();
    const status = await connection.send(bytes);
    release(connection);
    if (status instanceof Error) {
      errors++;
      firstError ??= status.message;
      return;
    }
    statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    if (status === 200) {
      ok++;
      latencies.push(performance.now() - scheduledAt);
    } else {
      errors++;
      firstError ??= `HTTP ${status}`;
    }
  };

  if (job.rate <= 0) {
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (performance.now() < end) await once(performance.now());
      }),
    );
  } else {
    const interval = 1000 / job.rate;
    const inflight = new Set<Promise<void>>();
    let due = start;
    while (due < end) {
      const now = performance.now();
      while (due <= now && due < end) {
        const p = once(due);
        inflight.add(p);
        void p.then(() => inflight.delete(p));
        due += interval;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(5, due - performance.now()))));
    }
    await Promise.all(inflight);
  }
  const elapsedMs = performance.now() - start;
  for (const c of all) c.destroy();
  return { sent, ok, errors, statusCounts, latenciesMs: Float64Array.from(latencies), elapsedMs, firstError };
}

async function runWithWarmup(job: LoadJob): Promise<LoadResult> {
  if (job.warmupSeconds && job.warmupSeconds > 0) {
    await runLoad({
      ...job,
      seconds: job.warmupSeconds,
      rate: 0,
      concurrency: Math.min(job.concurrency, 4),
      warmupSeconds: 0,
    });
  }
  parentPort?.postMessage('measuring');
  return runLoad(job);
}

if (parentPort && workerData && (workerData as { kind?: string }).kind === 'scan-load') {
  const port = parentPort;
  void runWithWarmup((workerData as { job: LoadJob }).job).then((r) =>
    port.postMessage(r, [r.latenciesMs.buffer as ArrayBuffer]),
  );
}
