/**
 * SMTP load generator (runs in a worker thread; node built-ins only, so it is transpiled once and run as plain JS).
 * N persistent connections each send transaction after transaction (MAIL, RCPT, DATA, RSET on refusal) for the given
 * time and record, per transaction, the latency from MAIL FROM to the final reply and how it ended.
 */
import * as net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

export interface SmtpLoadJob {
  readonly host: string;
  readonly port: number;
  readonly connections: number;
  readonly seconds: number;
  /** Pre-encoded DATA payloads: CRLF line ends, dot-stuffed, ending with "\r\n.\r\n". */
  readonly messages: readonly { readonly from: string; readonly to: string; readonly data: Uint8Array }[];
}

export interface SmtpLoadResult {
  readonly elapsedMs: number;
  /** Transactions started (MAIL FROM sent). */
  readonly sent: number;
  /** Final 250 after DATA. */
  readonly accepted: number;
  /** 4xx at any step (the sender keeps the message and retries). */
  readonly tempfails: number;
  /** 5xx at any step. */
  readonly rejects: number;
  /** No final answer (connection lost): the sender keeps the message and retries. */
  readonly errors: number;
  readonly latenciesMs: number[];
  readonly replyCounts: Record<string, number>;
  readonly firstError: string | null;
}

class Conn {
  private buf = '';
  private waiter: ((r: { code: number; text: string }) => void) | null = null;
  private pending: { code: number; text: string }[] = [];
  closed = false;
  constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => {
      this.buf += c.toString('latin1');
      let i: number;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        if (line[3] === '-') continue; // continuation of a multi-line reply
        const reply = { code: Number(line.slice(0, 3)), text: line.slice(4) };
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = null;
          w(reply);
        } else this.pending.push(reply);
      }
    });
    const close = () => {
      this.closed = true;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w({ code: 0, text: 'connection closed' });
      }
    };
    socket.on('close', close);
    socket.on('error', close);
  }
  reply(): Promise<{ code: number; text: string }> {
    const p = this.pending.shift();
    if (p) return Promise.resolve(p);
    if (this.closed) return Promise.resolve({ code: 0, text: 'connection closed' });
    return new Promise((resolve) => (this.waiter = resolve));
  }
  send(data: string | Uint8Array): Promise<{ code: number; text: string }> {
    this.socket.write(data);
    return this.reply();
  }
  end(): void {
    this.socket.end('QUIT\r\n');
    this.socket.destroy();
  }
}

async function open(host: string, port: number): Promise<Conn> {
  const socket = net.connect(port, host);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const c = new Conn(socket);
  const greeting = await c.reply();
  if (greeting.code !== 220) throw new Error(`greeting ${greeting.code} ${greeting.text}`);
  const ehlo = await c.send('EHLO bench.client.test\r\n');
  if (ehlo.code !== 250) throw new Error(`EHLO ${ehlo.code} ${ehlo.text}`);
  return c;
}

export async function runSmtpLoad(job: SmtpLoadJob): Promise<SmtpLoadResult> {
  const latencies: number[] = [];
  const replyCounts: Record<string, number> = {};
  let sent = 0;
  let accepted = 0;
  let tempfails = 0;
  let rejects = 0;
  let errors = 0;
  let firstError: string | null = null;
  let next = 0;
  const started = performance.now();
  const endAt = started + job.seconds * 1000;
  const count = (r: { code: number; text: string }) => {
    const k = r.code === 0 ? 'none' : String(r.code);
    replyCounts[k] = (replyCounts[k] ?? 0) + 1;
    if (r.code >= 400 && firstError === null && r.code !== 451) firstError = `${r.code} ${r.text}`;
  };

  const loop = async (): Promise<void> => {
    let conn: Conn | null = null;
    while (performance.now() < endAt) {
      if (!conn || conn.closed) {
        try {
          conn = await open(job.host, job.port);
        } catch (err) {
          if (firstError === null) firstError = `connect: ${(err as Error).message}`;
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
      }
      const m = job.messages[next++ % job.messages.length];
      const t0 = performance.now();
      sent++;
      let final: { code: number; text: string };
      final = await conn.send(`MAIL FROM:<${m.from}>\r\n`);
      if (final.code === 250) final = await conn.send(`RCPT TO:<${m.to}>\r\n`);
      if (final.code === 250) final = await conn.send('DATA\r\n');
      if (final.code === 354) final = await conn.send(m.data);
      latencies.push(performance.now() - t0);
      count(final);
      if (final.code === 250) accepted++;
      else if (final.code >= 400 && final.code < 500) tempfails++;
      else if (final.code >= 500) rejects++;
      else errors++;
      // After a refusal before DATA the transaction is still open: reset it. 421 closes the connection.
      if (final.code !== 250 && !conn.closed && final.code !== 421 && final.code !== 0) {
        const r = await conn.send('RSET\r\n');
        if (r.code !== 250) conn.end();
      }
      if (final.code === 421 || final.code === 0) conn.end();
    }
    if (conn && !conn.closed) conn.end();
  };
  await Promise.all(Array.from({ length: job.connections }, () => loop()));
  return {
    elapsedMs: performance.now() - started,
    sent,
    accepted,
    tempfails,
    rejects,
    errors,
    latenciesMs: latencies,
    replyCounts,
    firstError,
  };
}

if (parentPort && workerData && (workerData as { kind?: string }).kind === 'smtp-load') {
  const port = parentPort;
  void runSmtpLoad((workerData as { job: SmtpLoadJob }).job).then((r) => port.postMessage(r));
}
