/**
 * A real clamd (Debian's clamav-daemon, installed by scripts/services.sh) for the integration tests: its own config,
 * signature database, unix socket and log in a temporary directory, TCP on 127.0.0.1 only, started in the
 * foreground as a child of the test and stopped by it. The official database cannot be downloaded on these machines
 * (production uses freshclam), so the test writes a small one that knows the EICAR test file two ways:
 *   - eicar.hdb: its MD5 hash signature, made by `sigtool --md5` (matches the file when it is a whole attachment),
 *   - eicar.ndb: a body signature of its bytes, matched anywhere in any file (inline in a text part too).
 * With two signatures in a few bytes of database, clamd answers in well under a second after start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClamdClient } from '../../apps/filter/src/checks/antivirus/clamd-client';
import { freePort } from '../smtp/harness';
import { eicar } from './messages';

export interface ClamdHandle {
  /** The unix socket (CLAMAV_ADDRESS). */
  readonly socketPath: string;
  /** TCP on 127.0.0.1. */
  readonly tcpPort: number;
  /** Stops clamd, keeping its directory so start() can bring the same one back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops clamd and removes its directory. */
  close(): Promise<void>;
  logs(): string;
}

function binary(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'])
    if (existsSync(join(dir, name))) return join(dir, name);
  throw new Error(
    `${name} not found: run "bash scripts/services.sh up clamav" (installs clamav-daemon and clamav)`,
  );
}

/** The signature database, written at run time: the EICAR bytes never sit in the repository. */
function writeDatabase(dir: string): void {
  const sample = join(dir, 'eicar.sample');
  writeFileSync(sample, eicar());
  const md5 = spawnSync(binary('sigtool'), ['--md5', sample], { encoding: 'utf8' });
  if (md5.status !== 0) throw new Error(`sigtool --md5 failed: ${md5.stderr}`);
  // "<md5>:<size>:<file name>" → the name is the virus name clamd reports.
  const [hash, size] = md5.stdout.trim().split(':');
  writeFileSync(join(dir, 'db', 'eicar.hdb'), `${hash}:${size}:Eicar-Test-File\n`);
  writeFileSync(
    join(dir, 'db', 'eicar.ndb'),
    `Eicar-Test-Signature:0:*:${Buffer.from(eicar(), 'latin1').toString('hex')}\n`,
  );
  rmSync(sample);
}

export async function startClamd(): Promise<ClamdHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'clamd-test-'));
  const socketPath = join(dir, 'clamd.sock');
  const tcpPort = await freePort();
  mkdirSync(join(dir, 'db'));
  writeDatabase(dir);
  const config = join(dir, 'clamd.conf');
  writeFileSync(
    config,
    [
      `LocalSocket ${socketPath}`,
      `TCPSocket ${tcpPort}`,
      'TCPAddr 127.0.0.1',
      `DatabaseDirectory ${join(dir, 'db')}`,
      `PidFile ${join(dir, 'clamd.pid')}`,
      'Foreground yes',
      'StreamMaxLength 30M',
      // No periodic reload of the database and no self-check noise in a test's lifetime.
      'SelfCheck 0',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  let output = '';
  const client = new ClamdClient({ address: { path: socketPath }, timeoutMs: 1000 });

  const start = async (): Promise<void> => {
    const c = spawn(binary('clamd'), ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (c.exitCode !== null)
        throw new Error(`clamd exited during start-up (${c.exitCode}):\n${output.slice(-2000)}`);
      const v = await client.version();
      if (v.ok) return;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`clamd did not answer VERSION within 30 s: ${v.reason}\n${output.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    // clamd removes its socket on a clean exit; a killed one leaves it, which would read as "refused", not "missing".
    rmSync(socketPath, { force: true });
  };

  await start();
  return {
    socketPath,
    tcpPort,
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    logs: () => output,
  };
}
