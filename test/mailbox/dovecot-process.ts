/**
 * A Dovecot instance of a test's own (Debian's dovecot-imapd, dovecot-lmtpd, dovecot-sieve; scripts/services.sh
 * installs them), prepared by dovecot/local.sh: its own config, base_dir, mail and spool under a temp dir, IMAP and
 * LMTP on 127.0.0.1 ports the test chose, users from a passwd-file. The system Dovecot's /etc config and service are
 * never touched. The mailbox loop's configuration is the shipped one: dovecot/conf.d/90-spamfilter.conf with its one
 * path prefix (/etc/dovecot/spamfilter) pointed at a copy of dovecot/sieve and dovecot/bin in the temp dir.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DOVECOT_DIR, waitUntil } from './mailbox-harness';

export const DOVECOT_BIN = '/usr/sbin/dovecot';
const LOCAL_SH = path.join(DOVECOT_DIR, 'local.sh');

export function dovecotInstalled(): boolean {
  return (
    fs.existsSync(DOVECOT_BIN) &&
    fs.existsSync('/usr/lib/dovecot/lmtp') &&
    fs.existsSync('/usr/lib/dovecot/modules/lib95_imap_sieve_plugin.so') &&
    fs.existsSync('/usr/lib/dovecot/modules/sieve/lib90_sieve_extprograms_plugin.so')
  );
}

export interface DovecotOptions {
  readonly imapPort: number;
  readonly lmtpPort: number;
  /** Mail users (login = mail address) and their passwords. */
  readonly users: Readonly<Record<string, string>>;
  /** spamfilter-mark's settings (mark.conf lines, e.g. SPAMFILTER_API_URL=...); the spool and log are set here. */
  readonly mark: Readonly<Record<string, string>>;
  /** The mailbox service key the program sends (written to the key file). */
  readonly key: string;
}

export interface DovecotHandle {
  readonly dir: string;
  readonly imapPort: number;
  readonly lmtpPort: number;
  /** The program's spool (new/, failed/). */
  readonly spool: string;
  /** Moves waiting in the spool (new/), oldest first. */
  spooled(): string[];
  /** What the program logged. */
  markLog(): string;
  /** `spamfilter-mark --flush` as the mail user, as the timer runs it (dovecot/README.md); resolves to its status. */
  flush(): Promise<number>;
  /** Dovecot's log and the program's log. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Prepares the instance with dovecot/local.sh (what the quick start runs too) and starts `dovecot -F` on it;
 * resolves once IMAP greets.
 */
export async function startDovecot(opts: DovecotOptions): Promise<DovecotHandle> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-dovecot-'));
  const spool = path.join(dir, 'mailuser', 'spool');
  const markLog = path.join(dir, 'mailuser', 'spamfilter-mark.log');
  const program = path.join(dir, 'spamfilter', 'bin', 'spamfilter-mark');
  fs.writeFileSync(
    path.join(dir, 'users'),
    Object.entries(opts.users)
      .map(([user, pass]) => `${user}:${pass}`)
      .join('\n') + '\n',
  );
  fs.writeFileSync(path.join(dir, 'key'), `${opts.key}\n`, { mode: 0o600 });
  fs.writeFileSync(
    path.join(dir, 'mark.env'),
    Object.entries(opts.mark)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  const prepared = spawnSync(
    'bash',
    [LOCAL_SH, 'prepare', dir, String(opts.imapPort), String(opts.lmtpPort)],
    { encoding: 'utf8' },
  );
  if (prepared.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`dovecot/local.sh prepare failed: ${prepared.stdout}${prepared.stderr}`);
  }
  // The hook runs as the mail user local.sh chose (nobody under root): so does flush().
  const owner = fs.statSync(spool);
  const confPath = path.join(dir, 'etc', 'dovecot.conf');

  const child: ChildProcess = spawn(DOVECOT_BIN, ['-F', '-c', confPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const read = (p: string): string => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '');
  const logs = (): string =>
    `${output}\n--- dovecot.log\n${read(path.join(dir, 'dovecot.log'))}\n--- spamfilter-mark.log\n${read(markLog)}`;

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM'); // the master stops its children and exits
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`dovecot exited during start-up:\n${logs()}`);
        return (await greeting(opts.imapPort).catch(() => '')).startsWith('* OK');
      },
      15_000,
      `dovecot greeting on 127.0.0.1:${opts.imapPort}`,
      50,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const flush = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const p = spawn('/bin/sh', [program, '--flush'], {
        uid: owner.uid,
        gid: owner.gid,
        env: { PATH: process.env.PATH },
        stdio: 'ignore',
      });
      p.once('error', reject);
      p.once('exit', (code) => resolve(code ?? -1));
    });
  const spooled = (): string[] => {
    const d = path.join(spool, 'new');
    return fs.existsSync(d) ? fs.readdirSync(d).sort() : [];
  };
  return {
    dir,
    imapPort: opts.imapPort,
    lmtpPort: opts.lmtpPort,
    spool,
    spooled,
    markLog: () => read(markLog),
    flush,
    logs,
    stop,
  };
}

function greeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
    socket.once('data', (c) => {
      socket.destroy();
      resolve(c.toString());
    });
    socket.once('error', reject);
  });
}
