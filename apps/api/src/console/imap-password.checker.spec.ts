import * as net from 'node:net';
import { checkImapPassword, loginParts, mayLoginInClear, parseImapUrl, taggedStatus, type ImapTarget } from './imap-password.checker';

/** A small IMAP server on 127.0.0.1:0 that behaves as told: answers LOGIN, or hangs, drops, or talks nonsense. */
async function fakeImap(
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
            accounts[user ?? ''] === pass ? `${pending.tag} OK LOGIN done\r\n` : `${pending.tag} NO [AUTHENTICATIONFAILED] wrong\r\n`,
          );
          pending = null;
          continue;
        }
        const [tag, command] = line.split(' ');
        if (command?.toUpperCase() === 'CAPABILITY') socket.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`);
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

describe('IMAP password check (CONSOLE_IMAP_URL)', () => {
  it('reads imap and imaps URLs with their default ports', () => {
    expect(parseImapUrl('imaps://mail.example.net')).toEqual({ host: 'mail.example.net', port: 993, implicitTls: true });
    expect(parseImapUrl('imap://127.0.0.1:1143/')).toEqual({ host: '127.0.0.1', port: 1143, implicitTls: false });
    expect(parseImapUrl('http://mail.example.net')).toBeNull();
  });

  it('sends LOGIN as literals, so any password byte goes as it is', () => {
    expect(loginParts('a3', 'bob@x.example', 'pä"ss')).toEqual(['a3 LOGIN {13}\r\n', 'bob@x.example {6}\r\n', 'pä"ss\r\n']);
    expect(taggedStatus(['* OK', 'a3 NO wrong'], 'a3')).toBe('NO');
    expect(taggedStatus(['a3 ok fine'], 'a3')).toBe('OK');
    expect(taggedStatus(['a30 OK'], 'a3')).toBeNull();
  });

  it('accepts the right password and refuses a wrong one or an unknown mailbox', async () => {
    const imap = await fakeImap('normal');
    try {
      expect(await checkImapPassword(imap.target, 'alice@example.org', 'correct horse "battery" staple')).toBe('ok');
      expect(await checkImapPassword(imap.target, 'alice@example.org', 'wrong')).toBe('refused');
      expect(await checkImapPassword(imap.target, 'mallory@example.org', 'x')).toBe('refused');
      expect(imap.logins).toEqual(['alice@example.org', 'alice@example.org', 'mallory@example.org']);
    } finally {
      await imap.close();
    }
  });

  it('never sends a line break or NUL inside a credential (no command injection)', async () => {
    const imap = await fakeImap('normal');
    try {
      expect(await checkImapPassword(imap.target, 'alice@example.org', 'x\r\na9 LOGOUT')).toBe('refused');
      expect(await checkImapPassword(imap.target, 'alice@example.org\0', 'x')).toBe('refused');
      expect(imap.logins).toEqual([]);
    } finally {
      await imap.close();
    }
  });

  it.each(['hang', 'drop', 'garbage', 'bye'] as const)('is unavailable, not ok, when the server does %s', async (mode) => {
    const imap = await fakeImap(mode);
    try {
      expect(await checkImapPassword(imap.target, 'alice@example.org', 'correct horse "battery" staple')).toBe('unavailable');
    } finally {
      await imap.close();
    }
  });

  it('refuses (does not accept) when the server answers BAD', async () => {
    const imap = await fakeImap('no-literal');
    try {
      expect(await checkImapPassword(imap.target, 'alice@example.org', 'correct horse "battery" staple')).toBe('refused');
    } finally {
      await imap.close();
    }
  });

  it('sends a password in clear only to a server on loopback; elsewhere it needs TLS or STARTTLS', () => {
    expect(['127.0.0.1', '127.0.0.2', '::1', 'localhost'].every(mayLoginInClear)).toBe(true);
    expect(['192.0.2.1', 'mail.example.net', '10.0.0.1', '::ffff:192.0.2.1'].some(mayLoginInClear)).toBe(false);
  });
});
