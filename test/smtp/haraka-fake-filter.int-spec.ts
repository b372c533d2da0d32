/**
 * Real Haraka (child process on a loopback port) + the spamfilter plugin + the next-hop sink, over real SMTP, with a
 * scripted stand-in for the filter so every answer (and every failure: hang, drop, garbage, death) can be forced.
 * The same flows against the real filter are in haraka-filter.int-spec.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSink, type Sink } from '../../haraka/sink';
import { FakeFilter, ok, recipientAnswer, scanVerdict, type Handler } from './fake-filter';
import { bodyOf, freePort, headerValues, sendOnce, startHaraka, type HarakaHandle, waitFor } from './harness';

/** Haraka's default plugin timeout (plugin_timeout, 30 s), which the harness leaves as it is. */
const HARAKA_PLUGIN_TIMEOUT_MS = 30_000;

const MESSAGE = Buffer.from(
  [
    'From: Alice <alice@sender.example>',
    'To: Bob <bob@example.net>',
    'Subject: quarterly figures',
    'X-Spam-Status: No (forged by the sender)',
    'Message-ID: <int-1@sender.example>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Hello Bob,',
    '.a line that starts with a dot (dot-stuffed on the wire)',
    '..two dots',
    'Grüße, trailing spaces   ',
    '\ttab-indented',
    '',
    '',
  ].join('\r\n'),
  'utf8',
);

/** Every stand-in lets mail to this recipient through: see deliverMarker. */
const MARKER = 'marker@example.net';
const passMarker =
  (handler: Handler): Handler =>
  (req) =>
    req.rcptTo.includes(MARKER)
      ? req.path === '/v1/scan'
        ? ok(scanVerdict({ [MARKER]: 'accept' }))
        : recipientAnswer('accept')
      : handler(req);

describe('Haraka + spamfilter plugin over real SMTP (scripted filter)', () => {
  let sink: Sink;
  let filter: FakeFilter;
  let haraka: HarakaHandle | undefined;
  const sinkDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sink-'));

  /**
   * "Nothing was delivered", proved by an event instead of a pause: a marker message sent after the others and seen at
   * the sink. smtp_forward answers 250 only once the next hop has a message (haraka/inbound/config/plugins), one
   * transaction after the other, so a copy of anything sent earlier would have arrived before the marker.
   */
  async function deliverMarker(port: number, auth?: { user: string; pass: string }): Promise<void> {
    const r = await sendOnce(
      port,
      { from: auth?.user ?? 'marker@sender.example', to: [MARKER], ...(auth ? { auth } : {}) },
      MESSAGE,
    );
    expect(r.data?.code).toBe(250);
    await waitFor(() => sink.messages.some((m) => m.rcptTo.includes(MARKER)), 30_000, 'the marker');
  }
  const deliveredBesidesMarker = () => sink.messages.filter((m) => !m.rcptTo.includes(MARKER));

  beforeAll(async () => {
    sink = await startSink({ dir: sinkDir });
  });
  afterAll(async () => {
    await sink.close();
    fs.rmSync(sinkDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    sink.messages.length = 0;
  });
  afterEach(async () => {
    if (haraka) {
      const logs = haraka.logs();
      await haraka.stop();
      // Haraka logs a plugin that answered twice; ours never may.
      expect(logs).not.toMatch(/ran callback multiple times|next\(\) called more than once/);
    }
    haraka = undefined;
    if (filter) await filter.kill().catch(() => undefined);
  });

  async function start(
    handler: Handler,
    kind: 'inbound' | 'outbound' = 'inbound',
    spamfilter: Record<string, Record<string, string>> = {},
  ) {
    filter = new FakeFilter(passMarker(handler));
    await filter.listen();
    haraka = await startHaraka({
      kind,
      filterUrl: filter.url,
      sinkPort: sink.port,
      hostList: ['example.net', 'example.org'],
      users: { 'alice@example.net': 'correct horse' },
      spamfilter,
    });
    return haraka;
  }

  it('starts and listens on 127.0.0.1 only', async () => {
    const h = await start(() => ok({}));
    // How fast it starts (about 0.6 s of wall time and under 1 s of CPU on this 2-core machine when idle) is a figure
    // of `npm run -s bench -- smtp` (harakaStartupMs, harakaStartupCpuMs), not a claim here: both depend on the
    // machine and on what else shares its cores.
    expect(h.listeningCpuMs).not.toBeNull();
    expect(h.listeningMs).toBeGreaterThan(0);
    expect(h.logs()).toMatch(new RegExp(`Listening on 127\\.0\\.0\\.1:${h.port}`));
    expect(h.logs()).not.toMatch(/Listening on (\[::|0\.0\.0\.0)/);
  });

  it('tag: delivered once with the filter’s headers, the forged header removed, the body byte for byte', async () => {
    const h = await start((req) =>
      req.path === '/v1/scan'
        ? ok(scanVerdict({ 'bob@example.net': 'tag' }, 8.25, '01JTAGREF000000000000000000'.slice(0, 26)))
        : recipientAnswer('accept'),
    );
    const r = await sendOnce(h.port, { from: 'alice@sender.example', to: ['bob@example.net'] }, MESSAGE);
    expect(r.rcpt.map((x) => x.code)).toEqual([250]);
    expect(r.data?.code).toBe(250);
    await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
    const got = sink.messages[0];
    expect(got.rcptTo).toEqual(['bob@example.net']);
    expect(got.mailFrom).toBe('alice@sender.example');
    expect(bodyOf(got.raw).equals(bodyOf(MESSAGE))).toBe(true);
    expect(headerValues(got.raw, 'X-Spam-Status')).toEqual(['Yes, score=8.25 required=5.00 action=tag']);
    expect(headerValues(got.raw, 'X-Spam-Score')).toEqual(['8.25']);
    expect(headerValues(got.raw, 'X-Spam-Reference')).toEqual(['01JTAGREF00000000000000000']);
    expect(headerValues(got.raw, 'Subject')).toEqual(['quarterly figures']);
    // What the filter saw: the envelope in headers and the message as sent (dot-unstuffed, forged header removed).
    const scan = filter.scans()[0];
    expect(scan.headers).toMatchObject({
      'x-client-ip': '127.0.0.1',
      'x-helo': 'client.test',
      'x-mail-from': 'alice@sender.example',
      'x-rcpt-to': 'bob@example.net',
      'x-direction': 'inbound',
    });
    expect(bodyOf(scan.body).equals(bodyOf(MESSAGE))).toBe(true);
    expect(scan.body.toString()).not.toContain('forged by the sender');
  });

  it('reject: the sender is told 550 5.7.1 with the reference; nothing is delivered', async () => {
    const h = await start((req) =>
      req.path === '/v1/scan'
        ? ok(scanVerdict({ 'bob@example.net': 'reject' }, 20, '01JREJECTREF00000000000000'))
        : recipientAnswer('accept'),
    );
    const r = await sendOnce(h.port, { from: 'spammer@bad.example', to: ['bob@example.net'] }, MESSAGE);
    expect(r.data?.code).toBe(550);
    expect(r.data?.text).toMatch(/^5\.7\.1 .*01JREJECTREF00000000000000/);
    await deliverMarker(h.port);
    expect(deliveredBesidesMarker()).toHaveLength(0);
  });

  it('greylisting at RCPT: 451 4.7.1 first, a retry after the minimum delay is delivered (RFC 5321 §4.5.4.1)', async () => {
    // The stand-in keeps a triplet table the way the filter does: unknown → greylist; seen ≥ 300 ms ago → pass. Its
    // clock is the test's: the plugin only relays the answers, so the retry need not really wait.
    let clockMs = 0;
    const firstSeen = new Map<string, number>();
    const h = await start((req) => {
      if (req.path === '/v1/scan')
        return ok(scanVerdict(Object.fromEntries(req.rcptTo.map((r) => [r, 'accept' as const]))));
      if (req.rcptTo.length === 0) return recipientAnswer('accept');
      const triplet = `${req.headers['x-client-ip']}|${req.headers['x-mail-from']}|${req.rcptTo[0]}`;
      const seen = firstSeen.get(triplet);
      if (seen === undefined) firstSeen.set(triplet, clockMs);
      return seen !== undefined && clockMs - seen >= 300
        ? recipientAnswer('accept')
        : recipientAnswer('greylist');
    });
    const first = await sendOnce(h.port, { from: 'new@sender.example', to: ['bob@example.net'] }, MESSAGE);
    expect(first.rcpt[0].code).toBe(451);
    expect(first.rcpt[0].text).toMatch(/^4\.7\.1 /);
    expect(first.data).toBeNull();
    const tooEarly = await sendOnce(h.port, { from: 'new@sender.example', to: ['bob@example.net'] }, MESSAGE);
    expect(tooEarly.rcpt[0].code).toBe(451);
    clockMs += 350;
    const retry = await sendOnce(h.port, { from: 'new@sender.example', to: ['bob@example.net'] }, MESSAGE);
    expect(retry.rcpt[0].code).toBe(250);
    expect(retry.data?.code).toBe(250);
    await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
  });

  it('several recipients: a block list refuses one at RCPT; after DATA each verdict gets its own copy, the quarantined one none', async () => {
    const h = await start((req) => {
      if (req.path === '/v1/recipient')
        return req.rcptTo[0] === 'carol@example.net'
          ? recipientAnswer('reject', 'Sender is on carol’s block list')
          : recipientAnswer('accept');
      return ok(
        scanVerdict(
          { 'bob@example.net': 'accept', 'dave@example.org': 'tag', 'erin@example.net': 'reject' },
          9,
          '01JMULTIREF000000000000000',
        ),
      );
    });
    const to = ['bob@example.net', 'carol@example.net', 'dave@example.org', 'erin@example.net'];
    const r = await sendOnce(h.port, { from: 'news@sender.example', to }, MESSAGE);
    expect(r.rcpt.map((x) => x.code)).toEqual([250, 550, 250, 250]);
    expect(r.rcpt[1].text).toMatch(/^5\.7\.1 Sender is on carol’s block list|^5\.7\.1 Sender is on carol/);
    expect(r.data?.code).toBe(250);
    await waitFor(() => sink.messages.length === 2, 5000, 'two copies');
    expect(filter.scans()[0].rcptTo).toEqual(['bob@example.net', 'dave@example.org', 'erin@example.net']);
    const [bob, dave] = [...sink.messages].sort((a, b) => a.rcptTo[0].localeCompare(b.rcptTo[0]));
    expect(bob.rcptTo).toEqual(['bob@example.net']);
    expect(dave.rcptTo).toEqual(['dave@example.org']);
    expect(headerValues(bob.raw, 'X-Spam-Status')).toEqual(['No, score=9.00 required=5.00 action=accept']);
    expect(headerValues(dave.raw, 'X-Spam-Status')).toEqual(['Yes, score=9.00 required=5.00 action=tag']);
    for (const copy of [bob, dave]) {
      expect(headerValues(copy.raw, 'X-Spam-Reference')).toEqual(['01JMULTIREF000000000000000']);
      expect(headerValues(copy.raw, 'X-Spam-Status-For')).toEqual([]);
      // Our headers name no envelope recipient (the To: header is the sender's own).
      const ours = copy.raw
        .toString('latin1')
        .split('\r\n\r\n')[0]
        .split('\r\n')
        .filter((l) => /^X-Spam-/i.test(l));
      expect(ours.join('\n')).not.toMatch(/bob@|dave@|erin@/);
      expect(bodyOf(copy.raw).equals(bodyOf(MESSAGE))).toBe(true);
    }
    // erin's policy refused: quarantined by the filter, delivered to nobody.
    expect(sink.messages.flatMap((m) => m.rcptTo)).not.toContain('erin@example.net');
  });

  it('relay attempts to foreign domains are refused with 550 and never reach the filter or the sink', async () => {
    const h = await start(() => recipientAnswer('accept'));
    const r = await sendOnce(
      h.port,
      { from: 'someone@sender.example', to: ['victim@elsewhere.example'] },
      MESSAGE,
    );
    expect(r.rcpt[0].code).toBe(550);
    expect(r.data).toBeNull();
    // The plugin may ask whether the domain is hosted (/v1/recipient); nothing is ever scanned or delivered for it.
    expect(filter.scans().filter((q) => q.rcptTo.includes('victim@elsewhere.example'))).toHaveLength(0);
    expect(sink.messages).toHaveLength(0);
  });

  it('a block-listed client IP is refused at connect with 554 (checks.connect=true)', async () => {
    const h = await start(
      (req) =>
        req.rcptTo.length === 0 && req.path === '/v1/recipient'
          ? recipientAnswer('reject', 'Client IP is block-listed (ref 01JIPBLOCK0000000000000000)')
          : recipientAnswer('accept'),
      'inbound',
      { checks: { connect: 'true' } },
    );
    const r = await sendOnce(h.port, { from: 'a@sender.example', to: ['bob@example.net'] }, MESSAGE);
    expect(r.greeting.code).toBe(554);
    expect(r.greeting.text).toContain('block-listed');
  });

  describe('outbound submission', () => {
    const outbound = (handler: Handler) => start(handler, 'outbound');

    it('refuses MAIL without AUTH (530) and a wrong password (535)', async () => {
      const h = await outbound(() => recipientAnswer('accept'));
      const anonymous = await sendOnce(
        h.port,
        { from: 'alice@example.net', to: ['friend@remote.example'] },
        MESSAGE,
      );
      expect(anonymous.mail.code).toBe(530);
      const wrong = await sendOnce(
        h.port,
        {
          from: 'alice@example.net',
          to: ['friend@remote.example'],
          auth: { user: 'alice@example.net', pass: 'nope' },
        },
        MESSAGE,
      );
      expect(wrong.auth?.code).toBe(535);
      expect(wrong.mail.code).toBe(530);
      expect(filter.scans()).toHaveLength(0);
    });

    it('delivers authenticated mail to any domain, telling the filter the direction and the user', async () => {
      const h = await outbound((req) =>
        req.path === '/v1/scan'
          ? ok(scanVerdict({ 'friend@remote.example': 'accept' }))
          : recipientAnswer('accept'),
      );
      const r = await sendOnce(
        h.port,
        {
          from: 'alice@example.net',
          to: ['friend@remote.example'],
          auth: { user: 'alice@example.net', pass: 'correct horse' },
        },
        MESSAGE,
      );
      expect(r.auth?.code).toBe(235);
      expect(r.data?.code).toBe(250);
      await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
      expect(filter.scans()[0].headers).toMatchObject({
        'x-direction': 'outbound',
        'x-auth-user': 'alice@example.net',
      });
      expect(bodyOf(sink.messages[0].raw).equals(bodyOf(MESSAGE))).toBe(true);
    });

    it('hold: accepted (250 with the reference), never sent: the filter keeps it, Haraka files nothing', async () => {
      const h = await outbound((req) =>
        req.path === '/v1/scan'
          ? ok(scanVerdict({ 'friend@remote.example': 'hold' }, 9, '01JHOLDREF0000000000000000', 'outbound'))
          : recipientAnswer('accept'),
      );
      const auth = { user: 'alice@example.net', pass: 'correct horse' };
      const r = await sendOnce(
        h.port,
        { from: 'alice@example.net', to: ['friend@remote.example'], auth },
        MESSAGE,
      );
      expect(r.data?.code).toBe(250);
      expect(r.data?.text).toContain('held for review (ref 01JHOLDREF0000000000000000)');
      // Proved by a later delivery instead of a pause: nothing of the held message went anywhere, nothing on disk.
      await deliverMarker(h.port, auth);
      expect(deliveredBesidesMarker()).toHaveLength(0);
      expect(fs.existsSync(path.join(h.dir, '.var/quarantine'))).toBe(false);
    });

    it('refusals are 550 5.7.1 with the reference; rate limits are 421 4.7.0', async () => {
      let action: 'block' | 'defer' = 'block';
      const h = await outbound((req) =>
        req.path === '/v1/scan'
          ? ok(scanVerdict({ 'friend@remote.example': action }, 30, '01JOUTREF00000000000000000'))
          : recipientAnswer('accept'),
      );
      const auth = { user: 'alice@example.net', pass: 'correct horse' };
      const blocked = await sendOnce(
        h.port,
        { from: 'alice@example.net', to: ['friend@remote.example'], auth },
        MESSAGE,
      );
      expect(blocked.data?.code).toBe(550);
      expect(blocked.data?.text).toMatch(/^5\.7\.1 .*01JOUTREF00000000000000000/);
      action = 'defer';
      const deferred = await sendOnce(
        h.port,
        { from: 'alice@example.net', to: ['friend@remote.example'], auth },
        MESSAGE,
      );
      expect(deferred.data?.code).toBe(421);
      expect(deferred.data?.text).toMatch(/^4\.7\.0 /);
      expect(sink.messages).toHaveLength(0);
    });
  });

  it('the next hop is down: the sender is told 4xx after DATA (nothing acknowledged, nothing lost)', async () => {
    filter = new FakeFilter((req) =>
      req.path === '/v1/scan' ? ok(scanVerdict({ 'bob@example.net': 'accept' })) : recipientAnswer('accept'),
    );
    await filter.listen();
    const closedPort = await freePort();
    haraka = await startHaraka({
      kind: 'inbound',
      filterUrl: filter.url,
      sinkPort: closedPort,
      hostList: ['example.net'],
    });
    const r = await sendOnce(haraka.port, { from: 'a@sender.example', to: ['bob@example.net'] }, MESSAGE);
    expect(r.data?.code).toBeGreaterThanOrEqual(400);
    expect(r.data?.code).toBeLessThan(500);
    expect(filter.scans()).toHaveLength(1);
  });

  describe('the filter fails', () => {
    it.each([
      ['hangs', 'hang' as const],
      ['drops the connection', 'drop' as const],
      ['answers garbage', { status: 200, body: '<html>502 Bad Gateway</html>' }],
    ])('fail_open=true, the filter %s: delivered with X-Spam-Status: unscanned', async (_name, answer) => {
      const h = await start(
        (req) => (req.path === '/v1/scan' ? answer : recipientAnswer('accept')),
        'inbound',
        { main: { scan_deadline_ms: '300', fail_open: 'true' } },
      );
      const r = await sendOnce(h.port, { from: 'a@sender.example', to: ['bob@example.net'] }, MESSAGE);
      expect(r.data?.code).toBe(250);
      await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
      expect(headerValues(sink.messages[0].raw, 'X-Spam-Status')).toEqual(['unscanned']);
      await waitFor(
        () => (answer === 'hang' || answer === 'drop' ? filter.openSockets === 0 : true),
        3000,
        'filter sockets closed',
      );
    });

    it('fail_open=false, the filter hangs: 451 4.3.0 within the deadline; nothing delivered, no socket left', async () => {
      const h = await start(
        (req) => (req.path === '/v1/scan' ? 'hang' : recipientAnswer('accept')),
        'inbound',
        { main: { scan_deadline_ms: '300', fail_open: 'false' } },
      );
      const started = Date.now();
      const r = await sendOnce(h.port, { from: 'a@sender.example', to: ['bob@example.net'] }, MESSAGE);
      // The plugin's own 300 ms deadline answered, not Haraka's plugin timeout (30 s, which says "plugin timeout"):
      // checked by the wording, and by the time against that timeout with a wide margin.
      expect(Date.now() - started).toBeLessThan(HARAKA_PLUGIN_TIMEOUT_MS);
      expect(r.data?.code).toBe(451);
      expect(r.data?.text).toMatch(/^4\.3\.0 /);
      expect(r.data?.text).not.toMatch(/plugin timeout/);
      expect(sink.messages).toHaveLength(0);
      await waitFor(() => filter.openSockets === 0, 3000, 'filter sockets closed');
    });

    it('the filter is killed mid-run (fail_open=false): every message is delivered or refused with a 4xx, none lost', async () => {
      const h = await start(
        (req) =>
          req.path === '/v1/scan'
            ? ok(scanVerdict(Object.fromEntries(req.rcptTo.map((r) => [r, 'accept' as const]))))
            : recipientAnswer('accept'),
        'inbound',
        {
          main: { scan_deadline_ms: '500', check_deadline_ms: '200', fail_open: 'false' },
        },
      );
      const total = 40;
      const outcomes: number[] = [];
      let killed = false;
      const worker = async (w: number) => {
        for (let i = w; i < total; i += 4) {
          if (i >= total / 2 && !killed) {
            killed = true;
            await filter.kill();
          }
          const r = await sendOnce(
            h.port,
            { from: `s${i}@sender.example`, to: ['bob@example.net'] },
            MESSAGE,
          );
          outcomes.push(r.data?.code ?? r.rcpt[0]?.code ?? r.mail.code);
        }
      };
      await Promise.all([0, 1, 2, 3].map(worker));
      const delivered = outcomes.filter((c) => c === 250).length;
      const tempfailed = outcomes.filter((c) => c >= 400 && c < 500).length;
      expect(outcomes).toHaveLength(total);
      expect(outcomes.filter((c) => c >= 500)).toEqual([]);
      expect(delivered).toBeGreaterThan(0);
      expect(tempfailed).toBeGreaterThan(0);
      expect(delivered + tempfailed).toBe(total);
      await waitFor(() => sink.messages.length === delivered, 5000, 'deliveries');
      // The filter back on its port, then a marker: a late copy of a refused message would arrive before it.
      const port = Number(new URL(filter.url).port);
      filter = new FakeFilter(passMarker(() => recipientAnswer('accept')));
      await filter.listen(port);
      await deliverMarker(h.port);
      expect(deliveredBesidesMarker()).toHaveLength(delivered);
    });
  });
});
