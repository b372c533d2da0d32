import * as net from 'node:net';
import type { ImapTarget } from '../../apps/api/src/console/imap-password.checker';

/*
 * A fake IMAP server on 127.0.0.1:0 for the console's mailbox sign-in: it answers CAPABILITY, LOGIN (with literals,
 * RFC 3501 §4.3) and LOGOUT for the accounts it is given, or misbehaves as told (hangs, drops, talks nonsense, BYE).
 */
export async function fakeImap(
  mode: 'normal' | 'hang' | 'drop' | 'garbage' | 'bye' | 'no-literal',
  accounts: Record<string, string> = { 'alice@example.org': 'correct horse "battery" staple' },
): Promise<{ target: ImapTarget; logins: string[]; close(): Promise<void> }> {
  const logins: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (mode === 'hang') return;
    if (mode === 'drop') return socket.destroy();
    if (mode === 'garbage') return void socket.write('HTTP/1.1 200 OK\r\n\r\n');
    if (mode === 'bye') return void socket.end('* BYE too busy\r\n');
    socket.write('* OK [CAPABILITY IMAP4rev1] fake ready\r\n');
    let buffer = Buffer.alloc(0);
    let pending: { tag: string; parts: string[]; need: number } | null = null;
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (pending && pending.need >= 0) {
          if (buffer.length < pending.need) return;
          pending.parts.push(buffer.subarray(0, pending.need).toString('utf8'));
          buffer = buffer.subarray(pending.need);
          pending.need = -1;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.subarray(0, eol).toString('utf8');
        buffer = buffer.subarray(eol + 2);
        if (pending) {
          // the rest of the LOGIN command after a literal: " {n}" (another literal) or the end
          const more = /^ ?\{(\d+)\}$/.exec(line);
          if (more) {
            pending.need = Number(more[1]);
            socket.write('+ go on\r\n');
            continue;
          }
          const [user, pass] = pending.parts;
          logins.push(user ?? '');
          socket.write(
            accounts[user ?? ''] === pass
              ? `${pending.tag} OK LOGIN done\r\n`
              : `${pending.tag} NO [AUTHENTICATIONFAILED] wrong\r\n`,
          );
          pending = null;
          continue;
        }
        const [tag, command] = line.split(' ');
        if (command?.toUpperCase() === 'CAPABILITY')
          socket.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`);
        else if (command?.toUpperCase() === 'LOGOUT') socket.end(`* BYE\r\n${tag} OK bye\r\n`);
        else if (command?.toUpperCase() === 'LOGIN') {
          const lit = /\{(\d+)\}$/.exec(line);
          if (!lit || mode === 'no-literal') {
            socket.write(`${tag} BAD literals not supported\r\n`);
            continue;
          }
          pending = { tag: tag!, parts: [], need: Number(lit[1]) };
          socket.write('+ go on\r\n');
        } else socket.write(`${tag} BAD unknown\r\n`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    target: { host: '127.0.0.1', port, implicitTls: false, verifyTls: true, timeoutMs: 1000 },
    logins,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
