import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { API_APP_CONFIG } from '../api-config.token';

/** ok: the server accepted the password; refused: it said NO (or BAD); unavailable: no answer we could trust. */
export type PasswordCheck = 'ok' | 'refused' | 'unavailable';

export interface ImapTarget {
  readonly host: string;
  readonly port: number;
  /** imaps: TLS from the first byte (RFC 8314 §3.3); imap: STARTTLS (RFC 3501 §6.2.1) when offered. */
  readonly implicitTls: boolean;
  readonly verifyTls: boolean;
  readonly timeoutMs: number;
}

export function parseImapUrl(url: string): Pick<ImapTarget, 'host' | 'port' | 'implicitTls'> | null {
  const m = /^(imaps?):\/\/([^/\s:]+)(?::(\d{1,5}))?\/?$/.exec(url);
  if (!m) return null;
  const implicitTls = m[1] === 'imaps';
  return { host: m[2]!, port: m[3] ? Number(m[3]) : implicitTls ? 993 : 143, implicitTls };
}

/** Only a server on this host may be sent a password without TLS (RFC 8314 §3 wants TLS for every mail login; a server on loopback, such as a local Dovecot, is the one exception made here). */
export function mayLoginInClear(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * The LOGIN command with both arguments as synchronizing literals (RFC 3501 §4.3): any byte of a password is sent as
 * it is, nothing needs quoting, and every IMAP4rev1 server understands it. Returns the lines to send, each after
 * the server's continuation ("+") except the first.
 */
export function loginParts(tag: string, user: string, password: string): [string, string, string] {
  const u = Buffer.byteLength(user, 'utf8');
  const p = Buffer.byteLength(password, 'utf8');
  return [`${tag} LOGIN {${u}}\r\n`, `${user} {${p}}\r\n`, `${password}\r\n`];
}

/** The tagged answer to `tag` in a server's lines, if it has come: OK, NO or BAD. */
export function taggedStatus(lines: readonly string[], tag: string): 'OK' | 'NO' | 'BAD' | null {
  for (const line of lines) {
    const m = new RegExp(`^${tag} (OK|NO|BAD)\\b`, 'i').exec(line);
    if (m) return m[1]!.toUpperCase() as 'OK' | 'NO' | 'BAD';
  }
  return null;
}

/** A line-reading IMAP conversation over one socket (plain, then possibly upgraded to TLS). */
class Conversation {
  private buffer = '';
  private lines: string[] = [];
  private wake: (() => void) | null = null;
  private failed: Error | null = null;

  constructor(private socket: net.Socket) {
    this.attach(socket);
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      let i: number;
      while ((i = this.buffer.indexOf('\r\n')) >= 0) {
        this.lines.push(this.buffer.slice(0, i));
        this.buffer = this.buffer.slice(i + 2);
      }
      this.wake?.();
    });
    socket.on('error', (err) => {
      this.failed = err;
      this.wake?.();
    });
    socket.on('close', () => {
      this.failed ??= new Error('connection closed');
      this.wake?.();
    });
  }

  write(s: string): void {
    this.socket.write(s);
  }

  /** Waits for a line matching `pred` and returns it (lines before it are dropped). */
  async until(pred: (line: string) => boolean): Promise<string> {
    for (;;) {
      const i = this.lines.findIndex(pred);
      if (i >= 0) {
        const line = this.lines[i]!;
        this.lines = this.lines.slice(i + 1);
        return line;
      }
      if (this.failed) throw this.failed;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }

  async startTls(host: string, verify: boolean): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    const secure = tls.connect({ socket: plain, servername: host, rejectUnauthorized: verify });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.buffer = '';
    this.lines = [];
    this.attach(secure);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * Checks a mailbox password the way webmail does: LOGIN at the provider's IMAP server (CONSOLE_IMAP_URL), then
 * LOGOUT. The password is never stored or logged. It is sent only over TLS (imaps, or STARTTLS), except to a server
 * on loopback (a local Dovecot, tests); a server that offers neither is "unavailable", never asked in clear.
 */
export async function checkImapPassword(
  target: ImapTarget,
  user: string,
  password: string,
): Promise<PasswordCheck> {
  if (/[\r\n\0]/.test(user) || /[\r\n\0]/.test(password) || user.length === 0 || password.length === 0)
    return 'refused';
  const socket = target.implicitTls
    ? tls.connect({
        host: target.host,
        port: target.port,
        servername: target.host,
        rejectUnauthorized: target.verifyTls,
      })
    : net.connect({ host: target.host, port: target.port });
  const talk = new Conversation(socket);
  const timer = setTimeout(() => socket.destroy(new Error('timeout')), target.timeoutMs);
  try {
    const greeting = await talk.until((l) => l.startsWith('* '));
    if (!/^\* OK\b/i.test(greeting)) return 'unavailable';
    if (!target.implicitTls) {
      talk.write('a1 CAPABILITY\r\n');
      const caps = await talk.until((l) => /^\* CAPABILITY /i.test(l));
      await talk.until((l) => /^a1 /i.test(l));
      if (/\bSTARTTLS\b/i.test(caps)) {
        talk.write('a2 STARTTLS\r\n');
        const answer = await talk.until((l) => /^a2 /i.test(l));
        if (!/^a2 OK\b/i.test(answer)) return 'unavailable';
        await talk.startTls(target.host, target.verifyTls);
      } else if (!mayLoginInClear(target.host)) {
        return 'unavailable';
      }
    }
    const [first, second, third] = loginParts('a3', user, password);
    talk.write(first);
    let line = await talk.until((l) => l.startsWith('+') || /^a3 /i.test(l));
    if (line.startsWith('+')) {
      talk.write(second);
      line = await talk.until((l) => l.startsWith('+') || /^a3 /i.test(l));
      if (line.startsWith('+')) {
        talk.write(third);
        line = await talk.until((l) => /^a3 /i.test(l));
      }
    }
    const status = taggedStatus([line], 'a3');
    if (status === 'OK') {
      talk.write('a4 LOGOUT\r\n');
      return 'ok';
    }
    return status === null ? 'unavailable' : 'refused';
  } catch {
    return 'unavailable';
  } finally {
    clearTimeout(timer);
    talk.destroy();
  }
}

/** CONSOLE_IMAP_URL as an injectable side effect (tests and deployments without it: `configured` is false). */
@Injectable()
export class ImapPasswordChecker {
  private readonly target: ImapTarget | null;

  constructor(@Inject(API_APP_CONFIG) config: AppConfig) {
    const parsed = config.console.imapUrl ? parseImapUrl(config.console.imapUrl) : null;
    this.target = parsed
      ? { ...parsed, verifyTls: config.console.imapTlsVerify, timeoutMs: config.console.imapTimeoutMs }
      : null;
  }

  get configured(): boolean {
    return this.target !== null;
  }

  check(address: string, password: string): Promise<PasswordCheck> {
    return this.target ? checkImapPassword(this.target, address, password) : Promise.resolve('unavailable');
  }
}
