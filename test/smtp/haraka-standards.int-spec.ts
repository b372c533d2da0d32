/**
 * Standards at the SMTP door, with the real filter and the real Haraka (+ haraka-plugin-spamfilter) and the next-hop
 * sink: GTUBE in any text part and encoding is refused with 550 5.7.1, a phishing message with several strong signals
 * reaches reject on the default weights, and a delivered copy carries the filter's Authentication-Results (RFC 8601)
 * while a forged one claiming its authserv-id is gone. The filter resolves SPF/DMARC against a DNS server on
 * 127.0.0.1; "nothing was delivered" is shown by the next message arriving alone, not by waiting.
 */
import { loadConfig } from '@spamfilter/config';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { InMemoryPolicySource } from '../../apps/filter/src/services/policy.service';
import { startSink, type Sink } from '../../haraka/sink';
import { ZoneDnsServer } from '../dns/zone-dns-server';
import { headerValues, sendOnce, startHaraka, waitFor, type HarakaHandle } from './harness';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const ENVELOPE = { from: 'alice@sender.example', to: ['bob@example.net'] };

const mail = (
  subject: string,
  headers: readonly string[],
  body: string,
  from = 'Alice <alice@sender.example>',
) =>
  [
    `From: ${from}`,
    'To: Bob <bob@example.net>',
    `Subject: ${subject}`,
    'Date: Sun, 22 Nov 2026 10:00:00 +0000',
    `Message-ID: <${subject.replace(/\W/g, '')}@sender.example>`,
    'MIME-Version: 1.0',
    ...headers,
    '',
    body,
  ].join('\r\n');
const HAM = (subject: string, extra: readonly string[] = []) =>
  mail(
    subject,
    [...extra, 'Content-Type: text/plain; charset=us-ascii'],
    'Hi Bob,\r\n\r\nthe minutes of Tuesday are below.\r\n\r\nAlice\r\n',
  );

describe('standards over real SMTP: Haraka + plugin + the real filter', () => {
  let dns: ZoneDnsServer;
  let sink: Sink;
  let filter: FilterApp;
  let haraka: HarakaHandle;

  beforeAll(async () => {
    dns = await ZoneDnsServer.start({
      'sender.example': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
      '_dmarc.sender.example': { TXT: ['v=DMARC1; p=none'] },
    });
    sink = await startSink({ store: 'memory' });
    const policies = new InMemoryPolicySource();
    // greylisting would answer 451 for the unknown test sender first; these tests are about the final verdicts
    policies.setGlobal({ greylisting: { enabled: false } });
    filter = await createFilterApp(
      loadConfig({
        DNS_MODE: 'servers',
        DNS_SERVERS: dns.address,
        DNS_TIMEOUT_MS: '500',
        DNS_CACHE_SECONDS: '0',
      }),
      { policies, scanLog: null, defaultMetrics: false },
    );
    const filterUrl = await filter.listen(0, '127.0.0.1');
    haraka = await startHaraka({
      kind: 'inbound',
      filterUrl,
      sinkPort: sink.port,
      hostList: ['example.net'],
      spamfilter: { main: { fail_open: 'false', scan_deadline_ms: '5000' } },
    });
  }, 60000);

  afterAll(async () => {
    if (haraka) await haraka.stop();
    if (filter) await filter.close();
    if (sink) await sink.close();
    if (dns) await dns.close();
  });

  beforeEach(() => {
    sink.messages.length = 0;
  });

  /** Sends `refused`, expects a 550 5.7.1 naming `reason`, then shows nothing was delivered: a ham sent next arrives alone. */
  async function expectRefused(refused: string, reason: RegExp): Promise<void> {
    const r = await sendOnce(haraka.port, ENVELOPE, refused);
    expect(r.rcpt[0].code).toBe(250);
    expect(r.data?.code).toBe(550);
    expect(r.data?.text).toMatch(/^5\.7\.1 /);
    expect(r.data?.text).toMatch(reason);
    expect(r.data?.text).toMatch(/ref [0-9A-HJKMNP-TV-Z]{26}/);
    const next = await sendOnce(haraka.port, ENVELOPE, HAM(`after ${Math.random()}`));
    expect(next.data?.code).toBe(250);
    await waitFor(() => sink.messages.length >= 1, 5000, 'the next message');
    expect(sink.messages).toHaveLength(1);
    expect(headerValues(sink.messages[0].raw, 'Subject')[0]).toMatch(/^after /);
  }

  it.each([
    [
      'plain text',
      mail('gtube plain', ['Content-Type: text/plain'], `This is the GTUBE.\r\n\r\n${GTUBE}\r\n`),
    ],
    [
      'base64',
      mail(
        'gtube base64',
        ['Content-Type: text/plain', 'Content-Transfer-Encoding: base64'],
        Buffer.from(`Test\r\n${GTUBE}\r\n`).toString('base64'),
      ),
    ],
    [
      'HTML beside a clean text part',
      mail(
        'gtube html',
        ['Content-Type: multipart/alternative; boundary="alt"'],
        [
          '--alt',
          'Content-Type: text/plain',
          '',
          'nothing here',
          '--alt',
          'Content-Type: text/html',
          '',
          `<html><body><p>${GTUBE}</p></body></html>`,
          '--alt--',
          '',
        ].join('\r\n'),
      ),
    ],
  ])('refuses GTUBE in %s with 550 5.7.1 and the GTUBE policy', async (_name, raw) => {
    await expectRefused(raw, /GTUBE/);
  });

  it('refuses a phishing message with several strong signals on the default weights (no DNS listing involved)', async () => {
    const body = [
      '--mix',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Act now! Your account is locked. This limited time offer to restore it is risk free.</p>',
      '<p><a href="http://paypal.login-check.example/x">www.paypal.com</a> or <a href="http://secure.verify-now.example/y">https://www.paypal.com/signin</a></p>',
      '--mix',
      'Content-Type: application/octet-stream; name="statement.pdf.scr"',
      'Content-Disposition: attachment; filename="statement.pdf.scr"',
      'Content-Transfer-Encoding: base64',
      '',
      'TVqQAAMAAAAEAAAA',
      '--mix--',
      '',
    ].join('\r\n');
    const raw = mail(
      'Account notice',
      ['Reply-To: claims@collector.example', 'Content-Type: multipart/mixed; boundary="mix"'],
      body,
      '"service@paypal.com" <alice@sender.example>',
    );
    await expectRefused(raw, /refused as spam: score (1[5-9]|[2-9]\d)\.\d\d >= 15/);
  });

  it('delivers ham with the filter’s Authentication-Results; a forged one claiming its authserv-id is removed, another host’s kept', async () => {
    const r = await sendOnce(
      haraka.port,
      ENVELOPE,
      HAM('with forged results', [
        'Authentication-Results: spamfilter.local; dmarc=pass header.from=paypal.com',
        'Authentication-Results: mx.upstream.example; spf=pass smtp.mailfrom=alice@sender.example',
      ]),
    );
    expect(r.data?.code).toBe(250);
    await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
    const got = sink.messages[0].raw;
    expect(headerValues(got, 'Authentication-Results')).toEqual([
      'spamfilter.local; spf=pass smtp.mailfrom=alice@sender.example; dkim=none; dmarc=pass (p=NONE) header.from=sender.example; arc=none',
    ]);
    // haraka/inbound renames incoming ones (clean_auth_results); the plugin drops the renamed forgery too
    expect(headerValues(got, 'Original-Authentication-Results')).toEqual([
      'mx.upstream.example; spf=pass smtp.mailfrom=alice@sender.example',
    ]);
    expect(got.toString('latin1')).not.toContain('paypal.com');
  });
});
