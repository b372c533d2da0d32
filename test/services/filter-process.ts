import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCAN_HEADERS } from '@spamfilter/domain';
import { freePort } from '../smtp/harness';
import { statCpuMs } from './proc-cpu';

const ROOT = join(__dirname, '..', '..');

/** The filter's production entry point (apps/filter/src/main.ts) as a real process, for tests and benchmarks. */
export interface FilterProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** The cluster workers' pids (empty with FILTER_WORKERS=1). */
  workerPids(): number[];
  /** CPU time (user + system) of the process and its live workers, in ms. */
  cpuMs(): number;
  /** SIGTERM; resolves to the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function cpuOf(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`) ?? 0;
}

/**
 * Starts the filter on a free loopback port with `env` (FILTER_PORT is chosen here); resolves once it listens. `built`:
 * from dist (`npm run build`), as production runs it; otherwise the sources under ts-node.
 */
export async function startFilterProcess(
  env: Record<string, string>,
  { timeoutMs = 120_000, built = false }: { timeoutMs?: number; built?: boolean } = {},
): Promise<FilterProcess> {
  const port = await freePort();
  const entry = join(ROOT, 'dist', 'apps', 'filter', 'src', 'main.js');
  if (built && !existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const child = await spawnListening(
    'filter',
    built
      ? [entry]
      : ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/filter/src/main.ts'],
    { ...env, FILTER_HOST: '127.0.0.1', FILTER_PORT: String(port) },
    'filter listening on',
    timeoutMs,
  );
  const pid = child.pid as number;
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    workerPids: () => childrenOf(pid),
    cpuMs: () => [pid, ...childrenOf(pid)].reduce((sum, p) => sum + cpuOf(p), 0),
    stop: (graceMs = 15_000) => stopProcess(child, graceMs),
  };
}

/**
 * `node args…` in the repository's root with only PATH and `env`, resolved once its stdout has said `readyText` (a
 * server's "listening on" line); rejected with its stderr when it exits first or stays silent for `timeoutMs`.
 * `name` is what the errors call it.
 */
export async function spawnListening(
  name: string,
  args: readonly string[],
  env: Record<string, string>,
  readyText: string,
  timeoutMs: number,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not listen within ${timeoutMs} ms: ${stderr.trim()}`)),
      timeoutMs,
    );
    const poll = setInterval(() => {
      if (!stdout.includes(readyText)) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve();
    }, 50);
    child.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${String(code)} before listening: ${stderr.trim()}`));
    });
  });
  return child;
}

/** SIGTERM; resolves to the exit code (SIGKILL after `graceMs`). */
export function stopProcess(child: ChildProcess, graceMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

/** One POST /v1/scan of `raw` from a fixed inbound envelope to `rcpt`: the status and the answer's body. */
export async function postScan(
  url: string,
  raw: string,
  rcpt = 'user@customer.example',
): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/v1/scan`, {
    method: 'POST',
    headers: {
      'content-type': 'message/rfc822',
      [SCAN_HEADERS.clientIp]: '192.0.2.10',
      [SCAN_HEADERS.helo]: 'mail.sender.example',
      [SCAN_HEADERS.mailFrom]: 'a@sender.example',
      [SCAN_HEADERS.rcptTo]: rcpt,
      [SCAN_HEADERS.direction]: 'inbound',
    },
    body: raw,
  });
  return { status: res.status, body: await res.text() };
}
