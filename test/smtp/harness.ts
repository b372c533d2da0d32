/**
 * Integration harness for the SMTP side: a real Haraka (child process, its own loopback port) configured from
 * haraka/<kind>/config, the next-hop sink, a raw SMTP client that shows exactly what a sender is told, and free ports.
 * Used by test/smtp/*.int-spec.ts and bench/smtp.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as os from 'node:os';
import * as path from 'node:path';
import { statCpuMs } from '../services/proc-cpu';

export const ROOT = path.resolve(__dirname, '../..');
const HARAKA_BIN = path.join(ROOT, 'node_modules/Haraka/bin/haraka');
const PLUGIN_DIR = path.join(ROOT, 'haraka-plugins/spamfilter');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

type Ini = Record<string, Record<string, string>>;
const toIni = (ini: Ini): string =>
  Object.entries(ini)
    .map(
      ([section, keys]) =>
        `[${section}]\n${Object.entries(keys)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`,
    )
    .join('\n');

export interface HarakaOptions {
  readonly kind: 'inbound' | 'outbound';
  readonly filterUrl: string;
  readonly sinkPort: number;
  /** spamfilter.ini sections merged over { main: { url, direction } }. */
  readonly spamfilter?: Ini;
  readonly hostList?: readonly string[];
  /** auth_flat_file users (outbound). */
  readonly users?: Readonly<Record<string, string>>;
  readonly logLevel?: 'debug' | 'info' | 'notice' | 'warn' | 'error';
  /** Haraka worker processes (smtp.ini nodes); default: none (one process). */
  readonly nodes?: number;
  /** Extra node flags for Haraka (e.g. --cpu-prof for a profile). */
  readonly execArgv?: readonly string[];
  /** Listen on this loopback port (one the caller reserved, e.g. to name it in another component's configuration). */
  readonly port?: number;
  /** Config files written over the copied ones last (name → content), e.g. a deployment's plugins list. */
  readonly files?: Readonly<Record<string, string>>;
  /** Environment for Haraka instead of this process's (e.g. without jest's NODE_ENV=test). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface HarakaHandle {
  readonly port: number;
  readonly dir: string;
  /** Milliseconds from spawn to Haraka's "Listening on" log line (to the first greeting when that is not logged). */
  readonly listeningMs: number;
  /** CPU milliseconds Haraka had used when it logged "Listening on" (independent of what else loads the machine). */
  readonly listeningCpuMs: number | null;
  /** Milliseconds from spawn to the first greeting on the port (includes the first connect check). */
  readonly startupMs: number;
  /** CPU time (user + system) Haraka's processes have used so far, from /proc (Linux); null elsewhere. */
  cpuMs(): number | null;
  logs(): string;
  stop(): Promise<void>;
}

/** utime + stime of a process and its waited-for children, in ms (Linux /proc); null elsewhere. */
export function procCpuMs(pid: number): number | null {
  return statCpuMs(`/proc/${pid}/stat`, true);
}

/** Every process in a process group (Haraka's bin script, haraka.js and cluster workers). */
function groupPids(pgid: number): number[] {
  try {
    return fs
      .readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid;
        } catch {
          return false;
        }
      })
      .map(Number);
  } catch {
    return [];
  }
}

let madePair: TlsFiles | null = null;

interface TlsFiles {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly dhparams: Buffer;
}

/** The STARTTLS key, certificate and DH parameters of the tests' Haraka, made once per process by haraka/tls-cert.sh. */
function tlsFiles(): TlsFiles {
  if (!madePair) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'haraka-tls-'));
    try {
      execFileSync('bash', [path.join(ROOT, 'haraka', 'tls-cert.sh'), dir], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const read = (name: string) => fs.readFileSync(path.join(dir, name));
      madePair = { key: read('tls_key.pem'), cert: read('tls_cert.pem'), dhparams: read('dhparams.pem') };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return madePair;
}

/** Writes a Haraka config dir (a copy of haraka/<kind>/config with test ports) and starts Haraka on it. */
export async function startHaraka(opts: HarakaOptions): Promise<HarakaHandle> {
  const port = opts.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `haraka-${opts.kind}-`));
  const config = path.join(dir, 'config');
  fs.cpSync(path.join(ROOT, 'haraka', opts.kind, 'config'), config, { recursive: true });
  const tlsCopy = tlsFiles();
  fs.writeFileSync(path.join(config, 'tls_key.pem'), tlsCopy.key, { mode: 0o600 });
  fs.writeFileSync(path.join(config, 'tls_cert.pem'), tlsCopy.cert);
  fs.writeFileSync(path.join(config, 'dhparams.pem'), tlsCopy.dhparams);
  fs.mkdirSync(path.join(dir, 'plugins'));
  fs.symlinkSync(PLUGIN_DIR, path.join(dir, 'plugins', 'spamfilter'));
  // force_shutdown_timeout=1: stop() ends Haraka within a second (and a --cpu-prof profile gets written).
  const main: Record<string, string> = {
    listen: `127.0.0.1:${port}`,
    inactivity_timeout: '30',
    force_shutdown_timeout: '1',
  };
  // nodes=0: one process, no cluster master + worker (half the start-up time); the benchmark may ask for more.
  main.nodes = String(opts.nodes ?? 0);
  fs.writeFileSync(path.join(config, 'smtp.ini'), toIni({ main }));
  const spamfilter: Ini = { ...(opts.spamfilter ?? {}) };
  spamfilter.main = { url: opts.filterUrl, direction: opts.kind, ...(opts.spamfilter?.main ?? {}) };
  fs.writeFileSync(path.join(config, 'spamfilter.ini'), toIni(spamfilter));
  const forward = `host=127.0.0.1\nport=${opts.sinkPort}\n${opts.kind === 'outbound' ? 'enable_outbound=true\n' : ''}`;
  fs.writeFileSync(path.join(config, 'smtp_forward.ini'), forward);
  if (opts.hostList) fs.writeFileSync(path.join(config, 'host_list'), opts.hostList.join('\n') + '\n');
  if (opts.users) {
    const users = Object.entries(opts.users)
      .map(([u, p]) => `${u}=${p}`)
      .join('\n');
    fs.writeFileSync(
      path.join(config, 'auth_flat_file.ini'),
      `[core]\nmethods=PLAIN,LOGIN\n\n[users]\n${users}\n`,
    );
  }
  fs.writeFileSync(
    path.join(config, 'log.ini'),
    `[main]\nlevel=${opts.logLevel ?? 'info'}\ntimestamps=true\n`,
  );
  for (const [name, content] of Object.entries(opts.files ?? {}))
    fs.writeFileSync(path.join(config, name), content);

  const started = Date.now();
  // detached: Haraka gets its own process group, so stop() also ends a cluster worker it may have forked.
  const child: ChildProcess = spawn(process.execPath, [...(opts.execArgv ?? []), HARAKA_BIN, '-c', dir], {
    cwd: dir,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let listeningMs = -1;
  let listeningCpuMs: number | null = null;
  const collect = (c: Buffer) => {
    output += c.toString();
    if (listeningMs < 0 && output.includes('Listening on')) {
      listeningMs = Date.now() - started;
      listeningCpuMs = child.pid ? procCpuMs(child.pid) : null;
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      fs.rmSync(dir, { recursive: true, force: true });
      return;
    }
    try {
      // SIGINT is Haraka's graceful shutdown (plugins' shutdown() runs); SIGTERM would end it at once.
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 3000);
    await exited;
    clearTimeout(timer);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Haraka exited during start-up:\n${output.slice(-3000)}`);
    const greeting = await readGreeting(port).catch(() => null);
    // Any greeting counts (a test may make the connect check refuse with 554).
    if (greeting && /^\d{3}[ -]/.test(greeting)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Haraka did not greet on 127.0.0.1:${port} within 60 s:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const cpuMs = (): number | null => {
    const values = groupPids(child.pid!).map(procCpuMs);
    return values.length === 0 || values.some((v) => v === null)
      ? null
      : values.reduce<number>((a, b) => a + (b ?? 0), 0);
  };
  const startupMs = Date.now() - started;
  return {
    port,
    dir,
    listeningMs: listeningMs < 0 ? startupMs : listeningMs,
    listeningCpuMs,
    startupMs,
    cpuMs,
    logs: () => output,
    stop,
  };
}

function readGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (c) => {
      data += c.toString();
      if (data.includes('\r\n')) {
        socket.end('QUIT\r\n');
        socket.destroy();
        resolve(data);
      }
    });
    socket.on('error', reject);
  });
}

export interface Reply {
  readonly code: number;
  readonly text: string;
}

/**
 * A small SMTP client that reports every reply verbatim: what the sending server would be told. nodemailer is used
 * for the ordinary sends; this one is for asserting exact codes at each step.
 */
export class SmtpSession {
  private buffer = '';
  private waiters: ((r: Reply) => void)[] = [];
  private replies: Reply[] = [];
  private closedFlag = false;

  private constructor(private socket: net.Socket) {
    this.attach(socket);
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      for (;;) {
        const match = /^(\d{3}) .*\r\n/m.exec(this.buffer);
        if (!match) break;
        const end = match.index + match[0].length;
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        const text = block
          .split('\r\n')
          .filter(Boolean)
          .map((l) => l.slice(4))
          .join('\n');
        const reply = { code: Number(match[1]), text };
        const waiter = this.waiters.shift();
        if (waiter) waiter(reply);
        else this.replies.push(reply);
      }
    });
    socket.on('close', () => {
      if (socket !== this.socket) return;
      this.closedFlag = true;
      for (const w of this.waiters.splice(0)) w({ code: 0, text: 'connection closed' });
    });
    socket.on('error', () => undefined);
  }

  /**
   * STARTTLS (RFC 3207): on 220 the session continues over TLS (the quick start's certificate is self-signed, so it
   * is not verified here); resolves to the server's reply and, after the upgrade, the negotiated protocol.
   */
  async startTls(): Promise<{ reply: Reply; protocol: string | null }> {
    const reply = await this.command('STARTTLS');
    if (reply.code !== 220) return { reply, protocol: null };
    const plain = this.socket;
    plain.removeAllListeners('data');
    const secure = tls.connect({ socket: plain, rejectUnauthorized: false, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
    return { reply, protocol: secure.getProtocol() };
  }

  /** localAddress: the client's own address, e.g. 127.0.0.2 to be another loopback client. */
  static async open(
    port: number,
    opts: { localAddress?: string } = {},
  ): Promise<{ session: SmtpSession; greeting: Reply }> {
    const socket = net.connect({
      port,
      host: '127.0.0.1',
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    const session = new SmtpSession(socket);
    const greeting = await session.next();
    return { session, greeting };
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  next(): Promise<Reply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closedFlag) return Promise.resolve({ code: 0, text: 'connection closed' });
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  command(line: string): Promise<Reply> {
    this.socket.write(`${line}\r\n`);
    return this.next();
  }

  /** DATA with a message whose lines end in CRLF; dot-stuffs it (RFC 5321 §4.5.2). */
  async data(message: Buffer | string): Promise<Reply> {
    const start = await this.command('DATA');
    if (start.code !== 354) return start;
    const text = Buffer.isBuffer(message) ? message.toString('latin1') : message;
    const stuffed = text.replace(/(^|\r\n)\./g, '$1..');
    this.socket.write(Buffer.from(`${stuffed}${stuffed.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1'));
    return this.next();
  }

  async quit(): Promise<void> {
    if (!this.closedFlag) {
      await this.command('QUIT').catch(() => undefined);
      this.socket.destroy();
    }
  }
}

/** A plain-text message from Alice (alice@sender.example) to Bob (bob@example.net) with CRLF line ends. */
export function plainMessage(
  subject: string,
  opts: { readonly extraHeaders?: readonly string[]; readonly body?: string } = {},
): Buffer {
  const body =
    opts.body ??
    'Hi Bob,\r\n\r\nthe minutes of Tuesday are attached below.\r\n.leading dot\r\n\r\nRegards,\r\nAlice\r\n';
  return Buffer.from(
    [
      'From: Alice Example <alice@sender.example>',
      ...(opts.extraHeaders ?? []),
      'To: Bob <bob@example.net>',
      `Subject: ${subject}`,
      'Date: Sun, 22 Nov 2026 10:00:00 +0000',
      `Message-ID: <${subject.replace(/\W/g, '')}@sender.example>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      body,
    ].join('\r\n'),
  );
}

/** One whole transaction; returns every reply so a test can assert what the sender was told at each step. */
export async function sendOnce(
  port: number,
  envelope: {
    from: string;
    to: readonly string[];
    auth?: { user: string; pass: string };
    helo?: string;
    mailFrom?: string;
  },
  message: Buffer | string,
): Promise<{ greeting: Reply; ehlo: Reply; mail: Reply; rcpt: Reply[]; data: Reply | null; auth?: Reply }> {
  const { session, greeting } = await SmtpSession.open(port);
  try {
    if (greeting.code !== 220) return { greeting, ehlo: greeting, mail: greeting, rcpt: [], data: null };
    const ehlo = await session.command(`EHLO ${envelope.helo ?? 'client.test'}`);
    let auth: Reply | undefined;
    if (envelope.auth) {
      const token = Buffer.from(`\0${envelope.auth.user}\0${envelope.auth.pass}`).toString('base64');
      auth = await session.command(`AUTH PLAIN ${token}`);
    }
    // mailFrom: the MAIL FROM argument verbatim (odd senders); from: an address put in angle brackets.
    const mail = await session.command(`MAIL FROM:${envelope.mailFrom ?? `<${envelope.from}>`}`);
    const rcpt: Reply[] = [];
    if (mail.code === 250) for (const to of envelope.to) rcpt.push(await session.command(`RCPT TO:<${to}>`));
    const data = rcpt.some((r) => r.code === 250) ? await session.data(message) : null;
    return { greeting, ehlo, mail, rcpt, data, auth };
  } finally {
    await session.quit();
  }
}

/** Where the header ends: [end of header, start of body] (CRLF as on the wire, or LF as in files Haraka writes). */
function headerEnd(raw: Buffer): [number, number] {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return [crlf, crlf + 4];
  if (lf >= 0) return [lf, lf + 2];
  return [raw.length, raw.length];
}

/** The body of a raw message (after the first empty line), as bytes. */
export function bodyOf(raw: Buffer): Buffer {
  return raw.subarray(headerEnd(raw)[1]);
}

/** Header values by name (unfolded), in order. */
export function headerValues(raw: Buffer, name: string): string[] {
  const head = raw
    .subarray(0, headerEnd(raw)[0])
    .toString('utf8')
    .replace(/\r?\n[ \t]+/g, ' ');
  const prefix = `${name.toLowerCase()}:`;
  return head
    .split(/\r?\n/)
    .filter((l) => l.toLowerCase().startsWith(prefix))
    .map((l) => l.slice(prefix.length).trim());
}

export const WAIT_FLOOR_MS = 30_000;

/**
 * Polls `cond` until it holds. The ceiling is at least WAIT_FLOOR_MS whatever the caller asks: it only matters when
 * the code is broken, and on a loaded machine what takes milliseconds when idle can take seconds.
 */
export async function waitFor(cond: () => boolean, ms = WAIT_FLOOR_MS, what = 'condition'): Promise<void> {
  const end = Date.now() + Math.max(ms, WAIT_FLOOR_MS);
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} not met within ${Math.max(ms, WAIT_FLOOR_MS)} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface SinkProcess {
  readonly port: number;
  readonly pid: number;
  received(): Promise<number>;
  stop(): Promise<void>;
}

/** The sink in its own process (counting only), so a benchmark can tell its CPU apart from the product's. */
export async function startSinkProcess(): Promise<SinkProcess> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'haraka/sink.js'), '--port', '0', '--store', 'count'],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port?: number }) =>
      m.port ? resolve(m.port) : reject(new Error('sink did not start')),
    );
    child.once('exit', () => reject(new Error('sink exited during start-up')));
  });
  return {
    port,
    pid: child.pid!,
    received: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m: { received: number }) => resolve(m.received));
        child.send({ cmd: 'stats' });
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.disconnect();
        await exited;
      }
    },
  };
}
