/**
 * Outbound protection on the Haraka side (issue 7), over real SMTP with a real Haraka (outbound config), a scripted
 * filter and real next-hop SMTP servers on loopback:
 *  - the routing tag: mail the filter tags `X-Spam-Outbound-Pool: risky` lands in the risky pool's sink, untagged
 *    mail in the main sink, a pool without a configured next hop in the main sink (logged), a pool hop that is down
 *    answers 451 and never falls back to the main pool;
 *  - delivery outcomes: one POST /v1/outbound/deliveries per transaction with each recipient's result at the next
 *    hop (its code, text and time) and the recipients our checks refused at RCPT, fire-and-forget.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { ScanVerdict } from '@spamfilter/domain';
import { loadConfig } from '@spamfilter/config';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { startSink, type Sink } from '../../haraka/sink';
import { FakeFilter, ok, recipientAnswer, scanVerdict, type FakeRequest, type Handler } from './fake-filter';
import { freePort, headerValues, sendOnce, startHaraka, waitFor, type HarakaHandle } from './harness';

const MESSAGE = [
  'From: Alice <alice@example.net>',
  'To: Friend <friend@remote.example>',
  'Subject: newsletter',
  'X-Spam-Outbound-Pool: main-please (forged by the sender)',
  'Message-ID: <routing-1@example.net>',
  '',
  'Hello,',
  '',
].join('\r\n');

const AUTH = { user: 'alice@example.net', pass: 'correct horse' };
/** Mail to this recipient is accepted by every stand-in here and reported as delivered: see sendMarker. */
const MARKER = 'marker@remote.example';
/** The marker's own report: its one recipient delivered. */
const isMarkerReport = (x: Record<string, unknown>): boolean => {
  const recipients = x.recipients as { recipient: string; status: string }[] | undefined;
  return (
    recipients?.length === 1 && recipients[0]!.recipient === MARKER && recipients[0]!.status === 'delivered'
  );
};
/** Long against a transaction (about 0.1 s), so "did not wait for the report" holds on a loaded machine too. */
const REPORT_DEADLINE_MS = 5000;
const BOB = { user: 'bob@example.net', pass: 'battery staple' };

/** The scripted verdict for every recipient, with the routing header when a pool is given. */
function verdict(recipients: readonly string[], pool?: string): ScanVerdict {
  const accept = Object.fromEntries(recipients.map((r) => [r, 'accept' as const]));
  return scanVerdict(accept, 4.5, undefined, 'outbound', pool ? [['X-Spam-Outbound-Pool', pool]] : []);
}

/** A next hop that refuses some recipients at RCPT (550 5.1.1), like a relay that knows the address is invalid. */
async function startRefusingHop(
  refuse: readonly string[],
): Promise<{ port: number; received: string[][]; close(): Promise<void> }> {
  const received: string[][] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse.includes(address.address)) {
        const err = Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 });
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        received.push(session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  // A client that drops the connection (smtp_client after QUIT) is no test failure.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('Haraka outbound: IP pool routing and delivery outcomes (real SMTP, scripted filter)', () => {
  let main: Sink;
  let risky: Sink;
  let filter: FakeFilter | undefined;
  let haraka: HarakaHandle | undefined;
  const dirs = [
    fs.mkdtempSync(path.join(os.tmpdir(), 'sink-main-')),
    fs.mkdtempSync(path.join(os.tmpdir(), 'sink-risky-')),
  ];

  beforeAll(async () => {
    main = await startSink({ dir: dirs[0] });
    risky = await startSink({ dir: dirs[1] });
  });
  afterAll(async () => {
    await main.close();
    await risky.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  beforeEach(() => {
    main.messages.length = 0;
    risky.messages.length = 0;
  });
  afterEach(async () => {
    if (haraka) {
      const logs = haraka.logs();
      await haraka.stop();
      expect(logs).not.toMatch(/ran callback multiple times|next\(\) called more than once/);
    }
    haraka = undefined;
    if (filter) await filter.kill().catch(() => undefined);
    filter = undefined;
  });

  const reports = (): Record<string, unknown>[] =>
    (filter?.requests ?? [])
      .filter((r: FakeRequest) => r.path === '/v1/outbound/deliveries')
      .map((r) => JSON.parse(r.body.toString()) as Record<string, unknown>);

  async function start(
    handler: Handler,
    opts: { pools?: Record<string, string>; sinkPort?: number; outbound?: Record<string, string> } = {},
  ): Promise<HarakaHandle> {
    filter = new FakeFilter((req) =>
      req.path === '/v1/outbound/deliveries' ? { status: 204, body: '' } : handler(req),
    );
    await filter.listen();
    haraka = await startHaraka({
      kind: 'outbound',
      filterUrl: filter.url,
      sinkPort: opts.sinkPort ?? main.port,
      users: { [AUTH.user]: AUTH.pass },
      spamfilter: {
        ...(opts.pools ? { pools: opts.pools } : {}),
        ...(opts.outbound ? { outbound: opts.outbound } : {}),
      },
    });
    return haraka;
  }

  /**
   * "Nothing more was delivered or reported", proved by an event instead of a pause: a marker transaction after the
   * others, delivered to the main next hop and reported. Deliveries happen before the sender's 250 and reports when
   * a transaction ends, one transaction after the other, so anything owed by an earlier one would be here first.
   */
  async function sendMarker(port: number): Promise<void> {
    const r = await sendOnce(port, { from: AUTH.user, to: [MARKER], auth: AUTH }, MESSAGE);
    expect(r.data?.code).toBe(250);
    await waitFor(() => main.messages.some((m) => m.rcptTo.includes(MARKER)), 30_000, 'the marker delivered');
    await waitFor(() => reports().some(isMarkerReport), 30_000, 'the marker reported');
  }

  const scanOr =
    (scan: (req: FakeRequest) => ScanVerdict): Handler =>
    (req) =>
      req.path === '/v1/scan' ? ok(scan(req)) : recipientAnswer('accept');

  it('tagged with a configured pool: forwarded to that pool’s next hop only; untagged: the main next hop', async () => {
    const h = await start(
      scanOr((req) => verdict(req.rcptTo, req.rcptTo.includes('risky@remote.example') ? 'risky' : undefined)),
      { pools: { risky: `127.0.0.1:${risky.port}` } },
    );
    const tagged = await sendOnce(
      h.port,
      { from: AUTH.user, to: ['risky@remote.example'], auth: AUTH },
      MESSAGE,
    );
    expect(tagged.data?.code).toBe(250);
    await waitFor(() => risky.messages.length === 1, 5000, 'delivery to the risky pool');
    expect(risky.messages[0].rcptTo).toEqual(['risky@remote.example']);
    expect(headerValues(risky.messages[0].raw, 'X-Spam-Outbound-Pool')).toEqual(['risky']);
    expect(main.messages).toHaveLength(0);

    const plain = await sendOnce(
      h.port,
      { from: AUTH.user, to: ['friend@remote.example'], auth: AUTH },
      MESSAGE,
    );
    expect(plain.data?.code).toBe(250);
    await waitFor(() => main.messages.length === 1, 5000, 'delivery to the main next hop');
    expect(main.messages[0].rcptTo).toEqual(['friend@remote.example']);
    // The sender's forged routing header never reaches the relay.
    expect(headerValues(main.messages[0].raw, 'X-Spam-Outbound-Pool')).toEqual([]);
    // No pause needed: a next hop has the message before the sender gets 250 (smtp_forward and the pool forward both
    // answer with the next hop's reply), so a copy of `plain` in the risky pool would already be here.
    expect(risky.messages).toHaveLength(1);
    // Both deliveries were reported, one request each.
    await waitFor(() => reports().length === 2, 3000, 'two delivery reports');
    expect(reports()).toEqual([
      expect.objectContaining({
        authUser: AUTH.user,
        mailFrom: AUTH.user,
        reference: expect.any(String),
        rcptRefused: 0,
        recipients: [
          expect.objectContaining({ recipient: 'risky@remote.example', status: 'delivered', code: 250 }),
        ],
      }),
      expect.objectContaining({
        authUser: AUTH.user,
        mailFrom: AUTH.user,
        reference: expect.any(String),
        rcptRefused: 0,
        recipients: [
          expect.objectContaining({ recipient: 'friend@remote.example', status: 'delivered', code: 250 }),
        ],
      }),
    ]);
  });

  it('a pool without a configured next hop: the main next hop, and a warning in the log', async () => {
    const h = await start(
      scanOr((req) => verdict(req.rcptTo, 'bulk')),
      { pools: { risky: `127.0.0.1:${risky.port}` } },
    );
    const r = await sendOnce(h.port, { from: AUTH.user, to: ['friend@remote.example'], auth: AUTH }, MESSAGE);
    expect(r.data?.code).toBe(250);
    await waitFor(() => main.messages.length === 1, 5000, 'delivery to the main next hop');
    expect(headerValues(main.messages[0].raw, 'X-Spam-Outbound-Pool')).toEqual(['bulk']);
    expect(risky.messages).toHaveLength(0);
    await waitFor(() => /pool "bulk" has no next hop/.test(h.logs()), 3000, 'the warning');
  });

  it('the pool’s next hop is down: 450 to the sender, nothing sent through the main pool', async () => {
    const down = await freePort();
    const h = await start(
      scanOr((req) => verdict(req.rcptTo, req.rcptTo.includes(MARKER) ? undefined : 'risky')),
      { pools: { risky: `127.0.0.1:${down}` } },
    );
    const r = await sendOnce(h.port, { from: AUTH.user, to: ['friend@remote.example'], auth: AUTH }, MESSAGE);
    // Haraka answers a queue DENYSOFT with 450 whatever code the plugin gives; the text is ours.
    expect(r.data?.code).toBe(450);
    expect(r.data?.text).toMatch(/pool risky unavailable/);
    expect(h.logs()).toMatch(/pool risky next hop 127\.0\.0\.1:\d+ unavailable/);
    await sendMarker(h.port);
    expect(main.messages.filter((m) => !m.rcptTo.includes(MARKER))).toHaveLength(0);
    expect(risky.messages).toHaveLength(0);
    // Reported as deferred, without a code (nobody answered): the sender's status says so; it counts as no failure.
    expect(reports().filter((x) => !isMarkerReport(x))).toEqual([
      expect.objectContaining({
        rcptRefused: 0,
        recipients: [
          expect.objectContaining({
            recipient: 'friend@remote.example',
            status: 'deferred',
            code: null,
            text: expect.stringMatching(/next hop unavailable/),
          }),
        ],
      }),
    ]);
  });

  it('recipients refused at RCPT count as failed, the ones delivered as delivered, in one report', async () => {
    const invalid = ['nobody1@remote.example', 'nobody2@remote.example', 'nobody3@remote.example'];
    const h = await start((req) => {
      if (req.path === '/v1/scan') return ok(verdict(req.rcptTo));
      return invalid.includes(req.rcptTo[0] ?? '')
        ? recipientAnswer('block', 'No such user here')
        : recipientAnswer('accept');
    });
    const r = await sendOnce(
      h.port,
      { from: AUTH.user, to: ['a@remote.example', ...invalid, 'b@remote.example'], auth: AUTH },
      MESSAGE,
    );
    expect(r.rcpt.map((x) => x.code)).toEqual([250, 550, 550, 550, 250]);
    expect(r.data?.code).toBe(250);
    await waitFor(() => main.messages.length === 1, 5000, 'delivery');
    await waitFor(() => reports().length === 1, 3000, 'the delivery report');
    await sendMarker(h.port);
    expect(reports().filter((x) => !isMarkerReport(x))).toEqual([
      expect.objectContaining({
        authUser: AUTH.user,
        mailFrom: AUTH.user,
        rcptRefused: 3,
        recipients: [
          expect.objectContaining({ recipient: 'a@remote.example', status: 'delivered' }),
          expect.objectContaining({ recipient: 'b@remote.example', status: 'delivered' }),
        ],
      }),
    ]);
  });

  it('the next hop refuses a recipient: 550 to the sender, reported as a failed recipient', async () => {
    const hop = await startRefusingHop(['ghost@remote.example']);
    try {
      const h = await start(
        scanOr((req) => verdict(req.rcptTo)),
        { sinkPort: hop.port },
      );
      const bad = await sendOnce(
        h.port,
        { from: AUTH.user, to: ['ghost@remote.example'], auth: AUTH },
        MESSAGE,
      );
      expect(bad.data?.code).toBe(550);
      const good = await sendOnce(
        h.port,
        { from: AUTH.user, to: ['real@remote.example'], auth: AUTH },
        MESSAGE,
      );
      expect(good.data?.code).toBe(250);
      await waitFor(() => reports().length === 2, 3000, 'two delivery reports');
      // The refused recipient's result carries the next hop's own code and text.
      expect(reports()).toEqual([
        expect.objectContaining({
          rcptRefused: 0,
          recipients: [
            expect.objectContaining({
              recipient: 'ghost@remote.example',
              status: 'bounced',
              code: 550,
              enhanced: '5.1.1',
              text: expect.stringMatching(/No such user/),
            }),
          ],
        }),
        expect.objectContaining({
          rcptRefused: 0,
          recipients: [
            expect.objectContaining({ recipient: 'real@remote.example', status: 'delivered', code: 250 }),
          ],
        }),
      ]);
      expect(hop.received).toEqual([['real@remote.example']]);
    } finally {
      await hop.close();
    }
  });

  it('a hanging report endpoint never delays mail, and its socket is closed at the report deadline', async () => {
    filter = new FakeFilter((req) =>
      req.path === '/v1/outbound/deliveries'
        ? 'hang'
        : req.path === '/v1/scan'
          ? ok(verdict(req.rcptTo))
          : recipientAnswer('accept'),
    );
    await filter.listen();
    haraka = await startHaraka({
      kind: 'outbound',
      filterUrl: filter.url,
      sinkPort: main.port,
      users: { [AUTH.user]: AUTH.pass },
      // No keep-alive: the scans' sockets close at once, so the only sockets left would be leaked report sockets.
      spamfilter: {
        main: { keepalive: 'false' },
        outbound: { report_deadline_ms: String(REPORT_DEADLINE_MS) },
      },
    });
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const r = await sendOnce(
        haraka.port,
        { from: AUTH.user, to: [`f${i}@remote.example`], auth: AUTH },
        MESSAGE,
      );
      expect(r.data?.code).toBe(250);
      // A session held by its hanging report would last the whole report deadline; each took a fraction of it
      // (about 0.1 s idle: the margin is for a loaded machine, the claim is not a speed).
      expect(Date.now() - started).toBeLessThan(REPORT_DEADLINE_MS);
    }
    await waitFor(() => main.messages.length === 3, 5000, 'three deliveries');
    await waitFor(() => reports().length === 3, 3000, 'three report requests');
    await waitFor(() => filter!.openSockets === 0, 3000, 'report sockets closed after the deadline');
    expect(haraka.logs()).toMatch(/delivery report failed \(timeout\)/);
  });

  it('the real filter (createFilterApp + connectOutbound): an account whose recipients the next hop refuses is deferred', async () => {
    const hop = await startRefusingHop([
      'ghost1@remote.example',
      'ghost2@remote.example',
      'ghost3@remote.example',
    ]);
    let app: FilterApp | undefined;
    try {
      app = await createFilterApp(
        loadConfig({ OUTBOUND_FAILED_RCPT_RATIO: '0.5', OUTBOUND_FAILED_RCPT_MIN_SAMPLE: '4' }),
        { connectOutbound: true, scanLog: null, defaultMetrics: false },
      );
      const url = await app.listen(0, '127.0.0.1');
      let reportsAnswered = 0;
      app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
        if (req.url === '/v1/outbound/deliveries') res.once('finish', () => reportsAnswered++);
      });
      haraka = await startHaraka({
        kind: 'outbound',
        filterUrl: url,
        sinkPort: hop.port,
        users: { [AUTH.user]: AUTH.pass, [BOB.user]: BOB.pass },
      });
      const send = (to: string, auth = AUTH) =>
        sendOnce(haraka!.port, { from: auth.user, to: [to], auth }, MESSAGE);
      expect((await send('real1@remote.example')).data?.code).toBe(250);
      for (const ghost of ['ghost1@remote.example', 'ghost2@remote.example', 'ghost3@remote.example']) {
        expect((await send(ghost)).data?.code).toBe(550);
      }
      // 4 recipients attempted, 3 failed (0.75 > 0.5): the reports reached the filter's limiter, the next is deferred.
      // The reports are fire-and-forget, so the last one may land a moment after the sender was answered: wait until
      // the filter has answered all four.
      await waitFor(() => reportsAnswered === 4, 30_000, 'four delivery reports answered by the filter');
      const next = await send('real2@remote.example');
      expect(next.data?.code).toBe(421);
      expect(next.data?.text).toMatch(/4\.7\.0/);
      // Control: another account sending as many messages to valid addresses is not deferred.
      for (let i = 0; i < 6; i++) expect((await send(`ok${i}@remote.example`, BOB)).data?.code).toBe(250);
    } finally {
      if (haraka) {
        await haraka.stop();
        haraka = undefined;
      }
      await app?.close();
      await hop.close();
    }
  });
});
