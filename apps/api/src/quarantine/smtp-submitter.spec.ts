import * as net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { dataPayload, parseHostPort, SmtpSubmitter, type SmtpTarget } from './smtp-submitter';

interface Received {
  readonly mailFrom: string;
  readonly rcptTo: string[];
  readonly raw: Buffer;
  readonly user: string | null;
}

async function startServer(
  opts: { refuse?: string; users?: Record<string, string> } = {},
): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: !opts.users,
    disabledCommands: opts.users ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (opts.users?.[auth.username ?? ''] === auth.password) return cb(null, { user: auth.username });
      cb(new Error('bad credentials'));
    },
    onRcptTo(address, _session, cb) {
      if (address.address === opts.refuse)
        return cb(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          user: (session.user as string | undefined) ?? null,
        });
        cb(null, 'queued as X1');
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as net.AddressInfo).port;
  return { port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A raw TCP server that answers with a script (or nothing), for misbehaving next hops. */
async function rawServer(
  onConnect: (s: net.Socket) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    onConnect(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const message = Buffer.from(
  'From: a@x.example\r\nSubject: hi\r\n\r\nline\r\n.leading dot\r\n..two dots\r\nlast line without break',
);
const target = (port: number, over: Partial<SmtpTarget> = {}): SmtpTarget => ({
  host: '127.0.0.1',
  port,
  helo: 'api.test',
  timeoutMs: 3000,
  ...over,
});

describe('SmtpSubmitter', () => {
  const smtp = new SmtpSubmitter();

  it('delivers the message byte for byte (dot-stuffing undone by the server) to every recipient', async () => {
    const s = await startServer();
    try {
      const r = await smtp.submit(
        target(s.port),
        { mailFrom: 'a@x.example', rcptTo: ['b@y.example', 'c@y.example'] },
        message,
      );
      expect(r).toMatchObject({ ok: true, code: 250, stage: 'dot' });
      expect(s.received).toHaveLength(1);
      expect(s.received[0]).toMatchObject({
        mailFrom: 'a@x.example',
        rcptTo: ['b@y.example', 'c@y.example'],
      });
      expect(s.received[0]!.raw.toString('latin1')).toBe(`${message.toString('latin1')}\r\n`);
    } finally {
      await s.close();
    }
  });

  it('authenticates with AUTH PLAIN, and reports a refused login without sending', async () => {
    const s = await startServer({ users: { release: 'secret' } });
    try {
      const ok = await smtp.submit(
        target(s.port, { auth: { user: 'release', pass: 'secret' } }),
        { mailFrom: 'a@x.example', rcptTo: ['b@y.example'] },
        message,
      );
      expect(ok.ok).toBe(true);
      expect(s.received[0]!.user).toBe('release');
      const bad = await smtp.submit(
        target(s.port, { auth: { user: 'release', pass: 'wrong' } }),
        { mailFrom: 'a@x.example', rcptTo: ['b@y.example'] },
        message,
      );
      expect(bad).toMatchObject({ ok: false, stage: 'auth', code: 535 });
      expect(s.received).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it('sends nothing when one recipient is refused, and says which reply ended it', async () => {
    const s = await startServer({ refuse: 'gone@y.example' });
    try {
      const r = await smtp.submit(
        target(s.port),
        { mailFrom: 'a@x.example', rcptTo: ['b@y.example', 'gone@y.example'] },
        message,
      );
      expect(r).toMatchObject({ ok: false, code: 550, stage: 'rcpt' });
      expect(r.text).toContain('no such user');
      expect(s.received).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('turns a refused connection, a drop, a hang and garbage into results', async () => {
    const closed = await rawServer(() => undefined);
    const port = closed.port;
    await closed.close();
    expect(await smtp.submit(target(port), { mailFrom: '', rcptTo: ['b@y.example'] }, message)).toMatchObject(
      { ok: false, code: 0, stage: 'connect' },
    );

    const drop = await rawServer((s) => s.end('220 hello\r\n', () => s.destroy()));
    const hang = await rawServer(() => undefined);
    const garbage = await rawServer((s) => s.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    try {
      expect(
        await smtp.submit(target(drop.port), { mailFrom: '', rcptTo: ['b@y.example'] }, message),
      ).toMatchObject({ ok: false, code: 0 });
      const started = Date.now();
      expect(
        await smtp.submit(
          target(hang.port, { timeoutMs: 300 }),
          { mailFrom: '', rcptTo: ['b@y.example'] },
          message,
        ),
      ).toMatchObject({ ok: false, code: 0, stage: 'greeting' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      const g = await smtp.submit(target(garbage.port), { mailFrom: '', rcptTo: ['b@y.example'] }, message);
      expect(g).toMatchObject({ ok: false, code: 0 });
      expect(g.text).toMatch(/not an SMTP reply/);
    } finally {
      await drop.close();
      await hang.close();
      await garbage.close();
    }
  });
});

describe('dataPayload and parseHostPort', () => {
  it('dot-stuffs, uses CRLF and ends with the final dot', () => {
    expect(dataPayload(Buffer.from('a\n.b\r\n..c')).toString('latin1')).toBe('a\r\n..b\r\n...c\r\n.\r\n');
  });
  it('reads host:port and [v6]:port', () => {
    expect(parseHostPort('127.0.0.1:2525')).toEqual({ host: '127.0.0.1', port: 2525 });
    expect(parseHostPort('[::1]:25')).toEqual({ host: '::1', port: 25 });
    expect(() => parseHostPort('nohost')).toThrow();
  });
});
