/**
 * The mail path tried as a hostile sender would, through the real Haraka and the real filter (createFilterApp on
 * embedded defaults, with FILTER_API_TOKEN set): nothing a sender chooses skips the scan, no copy names another
 * recipient, the filter answers only its own callers, and no bare CR reaches the next hop. One test per finding of the
 * outside review (issue "Nothing gets around the filter").
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { loadConfig } from '@spamfilter/config';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { InMemoryListSource } from '../../apps/filter/src/checks/lists/list-source';
import { InMemoryPolicySource } from '../../apps/filter/src/services/policy.service';
import { startSink, type Sink } from '../../haraka/sink';
import {
  bodyOf,
  freePort,
  headerValues,
  plainMessage,
  sendOnce,
  SmtpSession,
  startHaraka,
  type HarakaHandle,
  waitFor,
} from './harness';

const TOKEN = 'test-token-9f2c41d7e0b3';

const message = (subject: string, body?: string): Buffer =>
  plainMessage(subject, body === undefined ? {} : { body });

/** The X-Spam-* header lines a copy got from us (the sender's To:/Cc: are the sender's own business). */
const ourHeaders = (raw: Buffer): string =>
  raw
    .toString('latin1')
    .split('\r\n\r\n')[0]
    .split('\r\n')
    .filter((l) => /^X-Spam-/i.test(l))
    .join('\n');

/**
 * A next hop that ends lines at a bare CR as well as at CRLF (what makes SMTP smuggling work): it answers like an SMTP
 * server and counts every MAIL FROM it sees, so a second message hidden behind `\r.\r` would show as a second one.
 */
async function startLooseNextHop(): Promise<{
  port: number;
  mailCommands: () => number;
  close: () => Promise<void>;
}> {
  let mails = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let inData = false;
    let pending = '';
    socket.write('220 loose.test ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      const lines = pending.split(/\r\n|\r|\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 queued\r\n');
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'MAIL') mails++;
        if (verb === 'DATA') {
          inData = true;
          socket.write('354 go on\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else if (verb === 'EHLO' || verb === 'HELO') socket.write('250 loose.test\r\n');
        else socket.write('250 ok\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    mailCommands: () => mails,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function post(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}${path}`,
      { method: 'POST', headers: { 'content-type': 'message/rfc822', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the mail path against a hostile sender (real Haraka, real filter with a token)', () => {
  let sink: Sink;
  let filter: FilterApp | undefined;
  let filterUrl: string;
  let haraka: HarakaHandle;
  const lists = new InMemoryListSource();
  const policies = new InMemoryPolicySource();

  beforeAll(async () => {
    sink = await startSink({ store: 'memory' });
    lists.add({ scope: 'global', owner: null, kind: 'block', match: 'domain', value: 'blocked.example' });
    // carol tags everything; bob keeps the defaults: their copies must differ and neither may name the other.
    policies.setUser('carol@example.net', {
      thresholds: { greylist: -200, tag: -100, reject: 100 },
      greylisting: { enabled: false },
    });
    policies.setGlobal({ greylisting: { enabled: false } });
    filter = await createFilterApp(loadConfig({ FILTER_API_TOKEN: TOKEN }), {
      lists,
      policies,
      scanLog: null,
      defaultMetrics: false,
    });
    filterUrl = await filter.listen(0, '127.0.0.1');
    haraka = await startHaraka({
      kind: 'inbound',
      filterUrl,
      sinkPort: sink.port,
      hostList: ['example.net'],
      spamfilter: {
        main: { fail_open: 'true', token: TOKEN, max_recipients: '5', scan_deadline_ms: '5000' },
      },
    });
  }, 60000);

  afterAll(async () => {
    const logs = haraka ? haraka.logs() : '';
    if (haraka) await haraka.stop();
    if (filter) await filter.close();
    await sink.close();
    expect(logs).not.toMatch(/next\(\) called more than once/);
  });

  beforeEach(() => {
    sink.messages.length = 0;
  });

  const ODD_HELOS = ['bad!helo', 'a..b', '[1.2.3.4', 'x'.repeat(300), 'ü.example.com'];

  it.each(ODD_HELOS)(
    'HELO %s: a block-listed sender is still refused, never delivered unscanned',
    async (helo) => {
      const r = await sendOnce(
        haraka.port,
        { helo, from: 'spammer@blocked.example', to: ['bob@example.net'] },
        message('deal'),
      );
      expect(r.ehlo.code).toBe(250);
      const refused = r.rcpt[0].code === 550 || (r.data !== null && r.data.code === 550);
      expect(refused).toBe(true);
      expect(sink.messages).toHaveLength(0);
    },
  );

  it.each(ODD_HELOS)(
    'HELO %s: ordinary mail is scanned (reference, HELO_INVALID), not passed as unscanned',
    async (helo) => {
      const r = await sendOnce(
        haraka.port,
        { helo, from: 'alice@sender.example', to: ['bob@example.net'] },
        message('minutes'),
      );
      expect(r.data?.code).toBe(250);
      await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
      const got = sink.messages[0].raw;
      expect(headerValues(got, 'X-Spam-Reference')[0]).toMatch(/^[0-9A-Z]{26}$/);
      expect(headerValues(got, 'X-Spam-Status')[0]).not.toBe('unscanned');
      expect(headerValues(got, 'X-Spam-Symbols')[0]).toContain('HELO_INVALID');
    },
  );

  it.each(['<@example.net>', 'Macro Error@example.com'])(
    'MAIL FROM:%s is scanned or refused by Haraka, never delivered unscanned',
    async (mailFrom) => {
      const r = await sendOnce(
        haraka.port,
        { from: '', mailFrom, to: ['bob@example.net'] },
        message('odd sender'),
      );
      if (r.mail.code !== 250) {
        expect(r.mail.code).toBeGreaterThanOrEqual(500);
        return;
      }
      expect(r.data?.code).toBe(250);
      await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
      const got = sink.messages[0].raw;
      expect(headerValues(got, 'X-Spam-Reference')).toHaveLength(1);
      expect(headerValues(got, 'X-Spam-Symbols')[0]).toContain('MAIL_FROM_INVALID');
    },
  );

  it('past max_recipients: 452 4.5.3 to the rest (RFC 5321 §4.5.3.1.10); the accepted ones get a scanned copy', async () => {
    const to = Array.from({ length: 7 }, (_, i) => `user${i}@example.net`);
    const r = await sendOnce(haraka.port, { from: 'alice@sender.example', to }, message('for many'));
    expect(r.rcpt.map((x) => x.code)).toEqual([250, 250, 250, 250, 250, 452, 452]);
    expect(r.rcpt[5].text).toBe('4.5.3 Too many recipients');
    expect(r.data?.code).toBe(250);
    await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
    expect(sink.messages[0].rcptTo).toEqual(to.slice(0, 5));
    expect(headerValues(sink.messages[0].raw, 'X-Spam-Reference')).toHaveLength(1);
  });

  it('recipients with different verdicts get separate copies; no copy names another recipient (Bcc stays hidden)', async () => {
    const r = await sendOnce(
      haraka.port,
      { from: 'alice@sender.example', to: ['bob@example.net', 'carol@example.net'] },
      message('to bob, carol in bcc'),
    );
    expect(r.data?.code).toBe(250);
    await waitFor(() => sink.messages.length === 2, 5000, 'two copies');
    const byRcpt = new Map(sink.messages.map((m) => [m.rcptTo.join(','), m.raw]));
    const bob = byRcpt.get('bob@example.net')!;
    const carol = byRcpt.get('carol@example.net')!;
    expect(headerValues(bob, 'X-Spam-Status')[0]).toMatch(/^No, .*action=accept$/);
    expect(headerValues(carol, 'X-Spam-Status')[0]).toMatch(/^Yes, .*action=tag$/);
    expect(headerValues(carol, 'X-Spam-Flag')).toEqual(['YES']);
    expect(ourHeaders(bob)).not.toContain('carol');
    expect(ourHeaders(carol)).not.toContain('bob');
    expect(headerValues(bob, 'X-Spam-Reference')).toEqual(headerValues(carol, 'X-Spam-Reference'));
    expect(bodyOf(bob).equals(bodyOf(carol))).toBe(true);
  });

  it('the filter answers only callers with the token: a forged outbound claim without it is refused (401)', async () => {
    const claim = {
      'x-client-ip': '192.0.2.7',
      'x-helo': 'x.test',
      'x-mail-from': 'alice@example.net',
      'x-rcpt-to': 'v@remote.example',
      'x-direction': 'outbound',
      'x-auth-user': 'alice@example.net',
    };
    const refused = await post(filterUrl, '/v1/scan', claim, message('buy now'));
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ error: 'unauthorized' });
    expect(
      (await post(filterUrl, '/v1/scan', { ...claim, authorization: 'Bearer wrong' }, message('x'))).status,
    ).toBe(401);
    expect(
      (
        await post(
          filterUrl,
          '/v1/recipient',
          { 'x-client-ip': '192.0.2.7', 'x-rcpt-to': 'bob@example.net' },
          '',
        )
      ).status,
    ).toBe(401);
    expect(
      (await post(filterUrl, '/v1/scan', { ...claim, authorization: `Bearer ${TOKEN}` }, message('hello')))
        .status,
    ).toBe(200);
    const health = await new Promise<number>((resolve) =>
      http.get(`${filterUrl}/health`, (res) => (res.resume(), resolve(res.statusCode ?? 0))),
    );
    expect(health).toBe(200);
  });

  it('a Haraka with the wrong token defers the message (451 4.3.0) even with fail_open=true, and delivers nothing', async () => {
    const wrong = await startHaraka({
      kind: 'inbound',
      filterUrl,
      sinkPort: sink.port,
      hostList: ['example.net'],
      spamfilter: { main: { fail_open: 'true', token: 'not-the-token' } },
    });
    try {
      const r = await sendOnce(
        wrong.port,
        { from: 'alice@sender.example', to: ['bob@example.net'] },
        message('wrong token'),
      );
      expect(r.data).toEqual({
        code: 451,
        text: '4.3.0 Message could not be scanned, please try again later',
      });
      expect(sink.messages).toHaveLength(0);
    } finally {
      await wrong.stop();
    }
  });

  it('bare CR and NUL in DATA are refused (550 5.6.0 with a reference); a next hop that splits at CR sees no smuggled message', async () => {
    const hop = await startLooseNextHop();
    const h = await startHaraka({
      kind: 'inbound',
      filterUrl,
      sinkPort: hop.port,
      hostList: ['example.net'],
      spamfilter: { main: { fail_open: 'true', token: TOKEN } },
    });
    try {
      const smuggle = message(
        'smuggle',
        'Hello\r\n\r.\rMAIL FROM:<ceo@example.net>\rRCPT TO:<bob@example.net>\rDATA\rSubject: wire the money\r\r.\r\r\nBye\r\n',
      );
      for (const body of [smuggle, message('nul', 'Hello\r\n\x00\r\n')]) {
        const { session } = await SmtpSession.open(h.port);
        await session.command('EHLO client.test');
        await session.command('MAIL FROM:<alice@sender.example>');
        expect((await session.command('RCPT TO:<bob@example.net>')).code).toBe(250);
        const data = await session.data(body);
        await session.quit();
        expect(data.code).toBe(550);
        expect(data.text).toMatch(
          /^5\.6\.0 Message refused: message contains a (bare CR|NUL byte) .*\(ref [0-9A-Z]{26}\)$/,
        );
      }
      // A clean message through the same next hop arrives once: the hop works, and it saw no smuggled MAIL FROM.
      const ok = await sendOnce(
        h.port,
        { from: 'alice@sender.example', to: ['bob@example.net'] },
        message('clean'),
      );
      expect(ok.data?.code).toBe(250);
      await waitFor(() => hop.mailCommands() === 1, 5000, 'the clean message at the next hop');
      expect(hop.mailCommands()).toBe(1);
    } finally {
      await h.stop();
      await hop.close();
    }
  });

  it('a filter that is down still follows fail_open (availability), and says so', async () => {
    const port = await freePort();
    const h = await startHaraka({
      kind: 'inbound',
      filterUrl: `http://127.0.0.1:${port}`,
      sinkPort: sink.port,
      hostList: ['example.net'],
      spamfilter: { main: { fail_open: 'true', token: TOKEN } },
    });
    try {
      const r = await sendOnce(
        h.port,
        { from: 'alice@sender.example', to: ['bob@example.net'] },
        message('filter down'),
      );
      expect(r.data?.code).toBe(250);
      await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
      expect(headerValues(sink.messages[0].raw, 'X-Spam-Status')).toEqual(['unscanned']);
    } finally {
      await h.stop();
    }
  });
});
