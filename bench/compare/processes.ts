import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import { nxdomainReply } from './replies';

/**
 * The side effects of bench/compare: child processes it starts, ports, the loopback resolver. Everything started here
 * is registered with a `Cleanup` and stopped by it, on success, on error and on SIGINT/SIGTERM.
 */
export class Cleanup {
  private readonly steps: { name: string; run: () => Promise<void> | void }[] = [];

  add(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  /** Runs the steps last-in first-out; a failing step is reported and the others still run. */
  async runAll(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop() as { name: string; run: () => Promise<void> | void };
      try {
        await step.run();
      } catch (err) {
        process.stderr.write(
          `compare: cleanup ${step.name}: ${err instanceof Error ? err.message : String(err)}\n`,
        );
      }
    }
  }
}

/** A free TCP port on 127.0.0.1 (bound, read, released: the caller binds it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `ready` until it is true, the process exits, or `timeoutMs` passes. */
export async function waitFor(
  what: string,
  ready: () => Promise<boolean>,
  child: ChildProcess | null,
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child && child.exitCode !== null)
      throw new Error(`${what} exited with ${child.exitCode} before it was ready`);
    if (await ready().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms`);
}

/**
 * Starts a long-running program and registers its stop (SIGTERM, then SIGKILL after 5 s) with `cleanup`. Its stderr is
 * kept (last 4 kB) for the error message if it dies early.
 */
export function startProcess(
  cleanup: Cleanup,
  name: string,
  cmd: string,
  args: readonly string[],
): ChildProcess & { tail(): string } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString('utf8')).slice(-4096);
  });
  cleanup.add(name, () => stopProcess(child));
  return Object.assign(child, { tail: () => tail });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Runs a program to completion; rejects with its stderr when it exits non-zero. */
export async function runProgram(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(-4096)));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.trim()}`)),
    );
  });
}

/** A UDP resolver on 127.0.0.1 that answers every query NXDOMAIN at once, so DNS-based checks find nothing, fast. */
export async function startNxdomainResolver(cleanup: Cleanup): Promise<number> {
  const sock: Socket = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const reply = nxdomainReply(msg);
    if (reply) sock.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => resolve());
  });
  cleanup.add('resolver', () => new Promise<void>((r) => sock.close(() => r())));
  return sock.address().port;
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
