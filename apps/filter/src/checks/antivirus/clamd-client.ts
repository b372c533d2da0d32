import { connect, type Socket } from 'node:net';

/**
 * A client of ClamAV's clamd over its own protocol (clamd(8), "COMMANDS"), on a unix socket or TCP. Only what the
 * filter needs: INSTREAM (scan bytes sent over the connection: no shared file system), PING and VERSION.
 *
 * Commands are sent in the `z` form ("zINSTREAM\0"), so clamd ends its answer with a NUL byte and the answer's end
 * never depends on the connection closing. INSTREAM data goes as chunks, each a 4-byte big-endian length followed by
 * that many bytes, ended by a zero-length chunk. Nothing here throws for the network: every failure (refused, reset,
 * hung, closed early, garbage, clamd's own ERROR) is a `{ kind: 'error' }` result with the reason, and every path
 * destroys its socket.
 */
export type ClamdAddress = { readonly path: string } | { readonly host: string; readonly port: number };

export type ClamdVerdict =
  | { readonly kind: 'clean' }
  | { readonly kind: 'infected'; readonly names: readonly string[] }
  /** Over clamd's StreamMaxLength: clamd stopped reading and did not scan. */
  | { readonly kind: 'too-large' }
  | { readonly kind: 'error'; readonly reason: string };

export interface ClamdClientOptions {
  readonly address: ClamdAddress;
  /** Whole exchange: connect, send, answer. */
  readonly timeoutMs: number;
  /** INSTREAM chunk size (default 64 KiB; clamd accepts chunks up to its StreamMaxLength). */
  readonly chunkBytes?: number;
}

/** "/run/clamav/clamd.ctl" → a unix socket; "127.0.0.1:3310", "[::1]:3310", "clamd.internal:3310" → TCP; else null. */
export function parseClamdAddress(text: string): ClamdAddress | null {
  const t = text.trim();
  if (t.startsWith('/')) return { path: t };
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(t);
  if (!m) return null;
  const port = Number(m[3]);
  return port >= 1 && port <= 65535 ? { host: (m[1] ?? m[2]) as string, port } : null;
}

/** A virus name as clamd gives it ("Win.Trojan.Agent-1234", "Eicar-Test-Signature.UNOFFICIAL"), made safe for a header and an SMTP reply. */
function cleanName(name: string): string {
  return name.replace(/[^\x21-\x7e]+/g, '_').slice(0, 120);
}

/**
 * clamd's answer to INSTREAM (without the NUL): "stream: OK", "stream: <name> FOUND" (one line per match with
 * AllMatchScan), "INSTREAM size limit exceeded. ERROR", "<problem> ERROR". Anything else is not clamd.
 */
export function parseClamdReply(reply: string): ClamdVerdict {
  const lines = reply
    .split(/[\0\n]/)
    .map((l) => l.trim().replace(/^\d+: /, '')) // IDSESSION's request number, should a proxy use one
    .filter((l) => l !== '');
  if (lines.length === 0) return { kind: 'error', reason: 'empty answer from clamd' };
  const found = lines
    .map((l) => /^stream: (.+) FOUND$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null);
  if (found.length > 0) return { kind: 'infected', names: found.map((m) => cleanName(m[1] as string)) };
  const first = lines[0] as string;
  if (lines.length === 1 && first === 'stream: OK') return { kind: 'clean' };
  if (/size limit exceeded/i.test(first)) return { kind: 'too-large' };
  if (/ ERROR$/.test(first))
    return { kind: 'error', reason: `clamd: ${cleanName(first.replace(/ ERROR$/, '')).slice(0, 160)}` };
  return { kind: 'error', reason: `not a clamd answer: ${JSON.stringify(first.slice(0, 60))}` };
}

/** Longest answer read: clamd's are a line or a few; a peer that keeps talking is not clamd. */
const MAX_ANSWER = 16 * 1024;

type Exchange =
  { readonly ok: true; readonly answer: string } | { readonly ok: false; readonly reason: string };

export class ClamdClient {
  private readonly chunkBytes: number;

  constructor(private readonly options: ClamdClientOptions) {
    this.chunkBytes = Math.max(1, options.chunkBytes ?? 64 * 1024);
  }

  /** Scans `data` (a whole message: clamd decodes MIME and unpacks archives itself). */
  async scan(data: Uint8Array, signal?: AbortSignal): Promise<ClamdVerdict> {
    const r = await this.exchange('INSTREAM', data, signal);
    return r.ok ? parseClamdReply(r.answer) : { kind: 'error', reason: r.reason };
  }

  /** clamd's VERSION answer ("ClamAV 1.4.6/27480/…": engine, database version and date), or why it could not be had. */
  async version(
    signal?: AbortSignal,
  ): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
    const r = await this.exchange('VERSION', null, signal);
    if (!r.ok) return r;
    const v = r.answer.replace(/\0/g, '').trim();
    return /^ClamAV /.test(v)
      ? { ok: true, version: v.slice(0, 120) }
      : { ok: false, reason: `not a clamd answer: ${JSON.stringify(v.slice(0, 60))}` };
  }

  private where(): string {
    const a = this.options.address;
    return 'path' in a ? a.path : `${a.host}:${a.port}`;
  }

  /**
   * One command on its own connection (clamd closes it after answering). Settles exactly once: on the NUL that ends
   * the answer, on the timeout, on the caller's abort, or on a socket error or close; each way destroys the socket.
   */
  private exchange(
    command: 'INSTREAM' | 'VERSION',
    payload: Uint8Array | null,
    signal?: AbortSignal,
  ): Promise<Exchange> {
    return new Promise<Exchange>((resolve) => {
      if (signal?.aborted) return resolve({ ok: false, reason: 'aborted before connecting' });
      const a = this.options.address;
      const socket: Socket =
        'path' in a ? connect({ path: a.path }) : connect({ host: a.host, port: a.port });
      let settled = false;
      let answer = '';
      const finish = (r: Exchange): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(r);
      };
      const onAbort = (): void => finish({ ok: false, reason: 'aborted by the scan deadline' });
      const timer = setTimeout(
        () =>
          finish({
            ok: false,
            reason: `clamd at ${this.where()} gave no answer in ${this.options.timeoutMs} ms`,
          }),
        this.options.timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });

      socket.on('error', (err: NodeJS.ErrnoException) =>
        finish({ ok: false, reason: `clamd at ${this.where()}: ${err.code ?? err.message}` }),
      );
      socket.on('close', () =>
        finish(
          answer === ''
            ? { ok: false, reason: `clamd at ${this.where()} closed the connection without an answer` }
            : { ok: true, answer },
        ),
      );
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
        const nul = answer.indexOf('\0');
        if (nul >= 0) return finish({ ok: true, answer: answer.slice(0, nul) });
        if (answer.length > MAX_ANSWER)
          finish({ ok: false, reason: `clamd at ${this.where()} answered more than ${MAX_ANSWER} bytes` });
      });
      socket.once('connect', () => {
        socket.write(`z${command}\0`);
        if (payload) void this.send(socket, payload, () => settled);
      });
    });
  }

  /**
   * The INSTREAM chunks, waiting for 'drain' when the socket's buffer is full so a 25 MB message is not copied into
   * memory at once. Stops as soon as the exchange is settled (clamd may answer early, e.g. over its size limit).
   */
  private async send(socket: Socket, data: Uint8Array, settled: () => boolean): Promise<void> {
    const header = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    for (let at = 0; at < data.length; at += this.chunkBytes) {
      if (settled()) return;
      const chunk = data.subarray(at, Math.min(data.length, at + this.chunkBytes));
      socket.write(header(chunk.length));
      if (!socket.write(chunk)) await drained(socket);
    }
    if (!settled()) socket.write(header(0));
  }
}

/** Resolves on 'drain', or when the socket closes (the exchange is settled then and sending stops). */
function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
