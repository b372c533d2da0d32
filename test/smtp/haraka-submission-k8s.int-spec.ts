/**
 * The submission service as k8s/base/submission.yaml configures it, over real SMTP with a real Haraka: its plugins list
 * and auth_proxy.ini are taken from the manifest (only the mail store's address is pointed at a loopback SMTP server
 * that checks passwords), so the deployed AUTH path is the one tested:
 *  - AUTH is not offered before STARTTLS;
 *  - after STARTTLS a wrong password is refused (535) and MAIL without AUTH is refused (530);
 *  - the right password (checked by the mail store, not by Haraka) relays: the filter sees the AUTH user and
 *    direction outbound, and the message reaches the next hop.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseAllDocuments } from 'yaml';
import { SMTPServer } from 'smtp-server';
import { SCAN_HEADERS } from '@spamfilter/domain';
import { startSink, type Sink } from '../../haraka/sink';
import { FakeFilter, ok, scanVerdict } from './fake-filter';
import { ROOT, SmtpSession, startHaraka, waitFor, type HarakaHandle } from './harness';

const MAILBOX = { user: 'carol@example.net', pass: 'mailbox secret' };

/** The ConfigMap data of the submission manifest. */
function submissionConfig(): Record<string, string> {
  const file = fs.readFileSync(path.join(ROOT, 'k8s', 'base', 'submission.yaml'), 'utf8');
  const docs = parseAllDocuments(file).map(
    (d) => d.toJS() as { kind?: string; metadata?: { name?: string }; data?: Record<string, string> },
  );
  const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata?.name === 'spamfilter-haraka-submission');
  if (!cm?.data) throw new Error('no spamfilter-haraka-submission ConfigMap in k8s/base/submission.yaml');
  return cm.data;
}

/** The provider's mail store as auth_proxy sees it: an SMTP server that answers AUTH PLAIN/LOGIN for its users. */
async function startMailStore(): Promise<{ port: number; attempts: string[]; close(): Promise<void> }> {
  const attempts: string[] = [];
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, callback) {
      attempts.push(auth.username ?? '');
      if (auth.username === MAILBOX.user && auth.password === MAILBOX.pass)
        return callback(null, { user: auth.username });
      callback(Object.assign(new Error('5.7.8 Authentication failed'), { responseCode: 535 }));
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, attempts, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const plain = (user: string, pass: string): string => Buffer.from(`\0${user}\0${pass}`).toString('base64');

describe('Haraka submission as deployed in k8s (auth_proxy to the mail store, real SMTP)', () => {
  let sink: Sink;
  let store: Awaited<ReturnType<typeof startMailStore>>;
  let filter: FakeFilter;
  let haraka: HarakaHandle;
  const sinkDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sink-submission-'));

  beforeAll(async () => {
    sink = await startSink({ dir: sinkDir });
    store = await startMailStore();
    filter = new FakeFilter((req) =>
      req.path === '/v1/outbound/deliveries'
        ? { status: 204, body: '' }
        : ok(scanVerdict(Object.fromEntries(req.rcptTo.map((r) => [r, 'accept' as const])), 1)),
    );
    await filter.listen();
    const config = submissionConfig();
    // The manifest's auth_proxy.ini with its example.net route pointed at the loopback mail store.
    const authProxy = config['auth_proxy.ini']!.replace(
      /^example\.net=.*$/m,
      `example.net=127.0.0.1:${store.port}`,
    );
    expect(authProxy).toContain(`127.0.0.1:${store.port}`);
    haraka = await startHaraka({
      kind: 'outbound',
      filterUrl: filter.url,
      sinkPort: sink.port,
      spamfilter: { outbound: { require_auth: 'true' } },
      files: { plugins: config.plugins!, 'auth_proxy.ini': authProxy },
    });
  }, 30_000);

  afterAll(async () => {
    const logs = haraka?.logs() ?? '';
    await haraka?.stop();
    await filter?.kill().catch(() => undefined);
    await store?.close();
    await sink?.close();
    fs.rmSync(sinkDir, { recursive: true, force: true });
    expect(logs).not.toMatch(/ran callback multiple times|next\(\) called more than once/);
  });

  it('offers AUTH only after STARTTLS, and the mail store decides the password', async () => {
    const { session, greeting } = await SmtpSession.open(haraka.port);
    try {
      expect(greeting.code).toBe(220);
      const before = await session.command('EHLO client.test');
      expect(before.text).not.toMatch(/^AUTH /m);
      expect((await session.startTls()).protocol).toMatch(/^TLS/);
      const after = await session.command('EHLO client.test');
      expect(after.text).toMatch(/^AUTH .*PLAIN/m);
      expect((await session.command(`AUTH PLAIN ${plain(MAILBOX.user, 'wrong')}`)).code).toBe(535);
      expect((await session.command(`MAIL FROM:<${MAILBOX.user}>`)).code).toBe(530);
      expect(store.attempts).toContain(MAILBOX.user);
    } finally {
      await session.quit();
    }
  });

  it('relays for a user the mail store accepts, scanned as outbound under that user', async () => {
    const { session } = await SmtpSession.open(haraka.port);
    try {
      await session.command('EHLO client.test');
      await session.startTls();
      await session.command('EHLO client.test');
      expect((await session.command(`AUTH PLAIN ${plain(MAILBOX.user, MAILBOX.pass)}`)).code).toBe(235);
      expect((await session.command(`MAIL FROM:<${MAILBOX.user}>`)).code).toBe(250);
      expect((await session.command('RCPT TO:<friend@remote.example>')).code).toBe(250);
      const message = [
        'From: Carol <carol@example.net>',
        'To: friend@remote.example',
        'Subject: minutes',
        'Message-ID: <k8s-1@example.net>',
        '',
        'Minutes attached.',
        '',
      ].join('\r\n');
      expect((await session.data(message)).code).toBe(250);
    } finally {
      await session.quit();
    }
    const scan = filter.requests.find((r) => r.path === '/v1/scan');
    expect(scan?.headers[SCAN_HEADERS.authUser]).toBe(MAILBOX.user);
    expect(scan?.headers[SCAN_HEADERS.direction]).toBe('outbound');
    await waitFor(() => sink.messages.length === 1, 10_000, 'the relayed message at the next hop');
    expect(sink.messages[0]!.raw.toString()).toContain('Message-ID: <k8s-1@example.net>');
  });
});
