/**
 * A Dovecot instance of a test's own (Debian's dovecot-imapd, dovecot-lmtpd, dovecot-sieve; scripts/services.sh
 * installs them): its own config, base_dir, mail and spool under a temp dir, IMAP and LMTP on 127.0.0.1 ports the
 * test chose, users from a passwd-file the test writes. The system Dovecot's /etc config and service are never
 * touched. The mailbox loop's configuration is the shipped one: dovecot/conf.d/90-spamfilter.conf with its one path
 * prefix (/etc/dovecot/spamfilter) pointed at a copy of dovecot/sieve and dovecot/bin in the temp dir.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DOVECOT_DIR, waitUntil } from './mailbox-harness';

export const DOVECOT_BIN = '/usr/sbin/dovecot';
export const SIEVEC_BIN = '/usr/bin/sievec';
/** The prefix every path in dovecot/conf.d/90-spamfilter.conf starts with. */
export const INSTALL_PREFIX = '/etc/dovecot/spamfilter';
const NOBODY_UID = 65534;
const NOBODY_GID = 65534;

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

/** Writes the instance's configuration and starts `dovecot -F` on it; resolves once IMAP greets. */
export async function startDovecot(opts: DovecotOptions): Promise<DovecotHandle> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-dovecot-'));
  // Dovecot's unprivileged processes (imap-login as dovenull, the mail user's imap) must reach into it.
  fs.chmodSync(dir, 0o755);
  const etc = path.join(dir, 'etc');
  const prefix = path.join(dir, 'spamfilter');
  // What the mail user writes: the mailboxes, the program's spool and its log.
  const own = path.join(dir, 'mailuser');
  const spool = path.join(own, 'spool');
  const markLog = path.join(own, 'spamfilter-mark.log');
  for (const d of [etc, path.join(dir, 'run'), path.join(dir, 'state'), path.join(own, 'mail'), spool]) {
    fs.mkdirSync(d, { recursive: true });
  }
  // Mail processes (and so the pipe program) run as the mail user: this process's user, or under root (Dovecot
  // refuses uid 0 for mail) nobody, as a provider's vmail user.
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot ? NOBODY_UID : (process.getuid?.() ?? 0);
  const gid = asRoot ? NOBODY_GID : (process.getgid?.() ?? 0);
  // The shipped sieve scripts and program, at the prefix the config names (rewritten to this dir below).
  fs.cpSync(path.join(DOVECOT_DIR, 'sieve'), path.join(prefix, 'sieve'), { recursive: true });
  fs.cpSync(path.join(DOVECOT_DIR, 'bin'), path.join(prefix, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(prefix, 'key'), `${opts.key}\n`, { mode: 0o600 });
  if (asRoot) {
    for (const p of [own, path.join(own, 'mail'), spool, path.join(prefix, 'key')]) fs.chownSync(p, uid, gid);
  }
  const mark = {
    SPAMFILTER_SPOOL: spool,
    SPAMFILTER_LOG_FILE: markLog,
    ...opts.mark,
  };
  fs.writeFileSync(
    path.join(prefix, 'mark.conf'),
    Object.entries(mark)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  const snippet = fs
    .readFileSync(path.join(DOVECOT_DIR, 'conf.d', '90-spamfilter.conf'), 'utf8')
    .split(INSTALL_PREFIX)
    .join(prefix);
  fs.writeFileSync(path.join(etc, '90-spamfilter.conf'), snippet);
  fs.writeFileSync(
    path.join(etc, 'passwd'),
    Object.entries(opts.users)
      .map(([user, pass]) => `${user}:{PLAIN}${pass}::::::`)
      .join('\n') + '\n',
    { mode: 0o644 },
  );

  // Under root, Dovecot's own service users drop privileges as usual; otherwise every process runs as this user
  // (Dovecot's "running as non-root" settings).
  const user = os.userInfo().username;
  const instance = `spamfilter-test-${path.basename(dir)}`;
  const conf = `# Written by test/mailbox/dovecot-process.ts: a Dovecot of one test, nothing outside ${dir}.
instance_name = ${instance}
protocols = imap lmtp
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = ${uid}
first_valid_gid = ${gid}
mail_location = maildir:~/Maildir
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
postmaster_address = postmaster@example.net
${asRoot ? '' : `default_internal_user = ${user}\ndefault_login_user = ${user}\n`}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${etc}/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u ${etc}/passwd
  default_fields = uid=${uid} gid=${gid} home=${own}/mail/%u
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${opts.imapPort}
  }
  inet_listener imaps {
    port = 0
  }
${asRoot ? '' : '  chroot =\n  user = $default_login_user\n'}}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${opts.lmtpPort}
  }
}
${asRoot ? '' : 'service anvil {\n  chroot =\n}\nservice auth {\n  user = $default_internal_user\n}\nservice auth-worker {\n  user = $default_internal_user\n}\n'}
!include ${etc}/90-spamfilter.conf
`;
  const confPath = path.join(etc, 'dovecot.conf');
  fs.writeFileSync(confPath, conf);
  // Global scripts are compiled by the administrator (the mail user may not write beside them): sievec, as the
  // README tells a provider to.
  const compiled = spawnSync(SIEVEC_BIN, ['-c', confPath, path.join(prefix, 'sieve')], { encoding: 'utf8' });
  if (compiled.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`sievec failed: ${compiled.stdout}${compiled.stderr}`);
  }

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
      const p = spawn('/bin/sh', [path.join(prefix, 'bin', 'spamfilter-mark'), '--flush'], {
        uid,
        gid,
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

/** `doveconf -n` of a config file: a syntax check of the shipped snippet without starting anything. */
export function doveconf(confPath: string): { status: number | null; output: string } {
  const r = spawnSync('/usr/bin/doveconf', ['-n', '-c', confPath], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
