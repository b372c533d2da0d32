import { Injectable } from '@nestjs/common';
import * as net from 'node:net';

export interface SmtpTarget {
  readonly host: string;
  readonly port: number;
  /** The name given in EHLO. */
  readonly helo: string;
  /** SMTP AUTH PLAIN (RFC 4954), for submission. */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** Deadline of the whole session. */
  readonly timeoutMs: number;
}

export interface SmtpEnvelope {
  /** '' for the null sender. */
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
}

export type SmtpStage = 'connect' | 'greeting' | 'ehlo' | 'auth' | 'mail' | 'rcpt' | 'data' | 'dot';

/** What the server finally said: ok when the message was accepted (250 after the final dot). */
export interface SubmitResult {
  readonly ok: boolean;
  /** The server's reply code; 0 when there was none (connection refused, dropped, timed out). */
  readonly code: number;
  readonly text: string;
  readonly stage: SmtpStage;
}

/** "host:port" (IPv6 in brackets) as the configuration gives it. */
export function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value);
  if (!m) throw new Error(`not host:port: ${value}`);
  return { host: (m[1] ?? m[2]) as string, port: Number(m[3]) };
}

/** The message as DATA sends it: CRLF line ends, dot-stuffed (RFC 5321 §4.5.2), ending in CRLF . CRLF. */
export function dataPayload(message: Buffer): Buffer {
  let text = message.toString('latin1').replace(/\r?\n/g, '\r\n');
  if (!text.endsWith('\r\n')) text += '\r\n';
  return Buffer.from(`${text.replace(/(^|\r\n)\./g, '$1..')}.\r\n`, 'latin1');
}

/**
 * A small SMTP client for what the API sends itself (released copies, digests), always to our own Haraka: EHLO,
 * optional AUTH PLAIN, MAIL, every RCPT, DATA. All or nothing: when any recipient is refused the message is not sent
 * (the filter would not redeem its ticket for fewer recipients anyway). Failures are results, never exceptions. No
 * STARTTLS: it talks to Haraka over the cluster's own network (Haraka offers AUTH without TLS to private addresses).
 */
@Injectable()
export class SmtpSubmitter {
  submit(target: SmtpTarget, envelope: SmtpEnvelope, message: Buffer): Promise<SubmitResult> {
    return new Promise((resolve) => {
      const socket = net.connect({ host: target.host, port: target.port });
      let stage: SmtpStage = 'connect';
      let buffer = '';
      let lines: string[] = [];
      let settled = false;
      const finish = (r: SubmitResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!socket.destroyed && r.code > 0) {
          socket.end('QUIT\r\n');
          setTimeout(() => socket.destroy(), 1000).unref();
        } else socket.destroy();
        resolve(r);
      };
      const timer = setTimeout(
        () => finish({ ok: false, code: 0, text: `no answer within ${target.timeoutMs} ms`, stage }),
        target.timeoutMs,
      );
      socket.setNoDelay(true);
      socket.on('connect', () => {
        stage = 'greeting';
      });
      socket.on('error', (err) => finish({ ok: false, code: 0, text: err.message, stage }));
      socket.on('close', () => finish({ ok: false, code: 0, text: 'connection closed', stage }));

      const rcpts = [...envelope.rcptTo];
      let nextRcpt = 0;
      const send = (line: string, next: SmtpStage): void => {
        stage = next;
        socket.write(`${line}\r\n`);
      };
      const onReply = (code: number, text: string): void => {
        const fail = (): void => finish({ ok: false, code, text, stage });
        switch (stage) {
          case 'connect':
          case 'greeting':
            if (code !== 220) return fail();
            return send(`EHLO ${target.helo}`, 'ehlo');
          case 'ehlo':
            if (code !== 250) return fail();
            if (target.auth) {
              const token = Buffer.from(`\0${target.auth.user}\0${target.auth.pass}`, 'utf8').toString(
                'base64',
              );
              return send(`AUTH PLAIN ${token}`, 'auth');
            }
            return send(`MAIL FROM:<${envelope.mailFrom}>`, 'mail');
          case 'auth':
            if (code !== 235) return fail();
            return send(`MAIL FROM:<${envelope.mailFrom}>`, 'mail');
          case 'mail':
            if (code !== 250) return fail();
            return send(`RCPT TO:<${rcpts[nextRcpt++] ?? ''}>`, 'rcpt');
          case 'rcpt':
            if (code !== 250 && code !== 251) return fail();
            if (nextRcpt < rcpts.length) return send(`RCPT TO:<${rcpts[nextRcpt++] ?? ''}>`, 'rcpt');
            return send('DATA', 'data');
          case 'data':
            if (code !== 354) return fail();
            stage = 'dot';
            socket.write(dataPayload(message));
            return;
          case 'dot':
            return finish({ ok: code === 250, code, text, stage });
        }
      };
      socket.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('latin1');
        for (;;) {
          const eol = buffer.indexOf('\r\n');
          if (eol < 0) break;
          const line = buffer.slice(0, eol);
          buffer = buffer.slice(eol + 2);
          lines.push(line.slice(4));
          // RFC 5321 §4.2.1: "250-" continues a reply, "250 " ends it.
          if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) {
            const text = lines.join('\n');
            lines = [];
            onReply(Number(line.slice(0, 3)), text);
          } else if (!/^\d{3}-/.test(line)) {
            return finish({
              ok: false,
              code: 0,
              text: `not an SMTP reply: ${JSON.stringify(line.slice(0, 80))}`,
              stage,
            });
          }
        }
      });
      if (rcpts.length === 0) finish({ ok: false, code: 0, text: 'no recipient', stage: 'rcpt' });
    });
  }
}
