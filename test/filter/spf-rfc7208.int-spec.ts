/**
 * The RFC 7208 SPF test suite (openspf.org release 2014.04, as shipped in pyspf 2.0.14's sdist: test/rfc7208-tests.yml,
 * licence beside it) through the filter's own SPF wiring: every scenario's zone is served by a DNS server on
 * 127.0.0.1, every test is a POST /v1/scan with the test's client IP, HELO and MAIL FROM, and the result is read back
 * from the verdict's R_SPF_* symbol (and its Authentication-Results). Known deviations of the SPF library (mailauth)
 * and of Node's resolver are listed in docs/standards.md with their test ids; any other mismatch fails this test.
 */
import { loadConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import request from 'supertest';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { RFC7208_SUITE as suite, zoneOf } from '../dns/rfc7208-suite';
import { ZoneDnsServer } from '../dns/zone-dns-server';

/**
 * Known deviations, by test id: the expected result, what we get, and whose it is. Each is explained in
 * docs/standards.md ("SPF: RFC 7208 test suite"). A deviation that goes away fails the test too, so the list stays true.
 */
const KNOWN_DEVIATIONS: Readonly<
  Record<string, { readonly got: string; readonly whose: 'mailauth' | 'node-resolver' }>
> = {
  // Node's resolver (c-ares): a TXT record of no character-strings (illegal, RFC 1035 §3.3.14) fails the whole answer
  'null-text': { got: 'temperror', whose: 'node-resolver' },
  // Node's resolver refuses to ask for a name with ':', '/' or ' ' in a label (EBADNAME), which DNS can carry
  'a-colon-domain': { got: 'permerror', whose: 'node-resolver' },
  'a-colon-domain-ip4mapped': { got: 'permerror', whose: 'node-resolver' },
  'mx-colon-domain': { got: 'permerror', whose: 'node-resolver' },
  'mx-colon-domain-ip4mapped': { got: 'permerror', whose: 'node-resolver' },
  'macro-mania-in-domain': { got: 'permerror', whose: 'node-resolver' },
  // mailauth 7.1's SPF
  'bare-ip6': { got: 'fail', whose: 'mailauth' },
  'exp-syntax-error': { got: 'neutral', whose: 'mailauth' },
  'exp-twice': { got: 'fail', whose: 'mailauth' },
  'exp-only-macro-char': { got: 'fail', whose: 'mailauth' },
  'invalid-hello-macro': { got: 'permerror', whose: 'mailauth' },
  'hello-domain-literal': { got: 'permerror', whose: 'mailauth' },
  'require-valid-helo': { got: 'permerror', whose: 'mailauth' },
};

const RESULT: Readonly<Record<string, string>> = {
  R_SPF_ALLOW: 'pass',
  R_SPF_FAIL: 'fail',
  R_SPF_SOFTFAIL: 'softfail',
  R_SPF_NEUTRAL: 'neutral',
  R_SPF_NA: 'none',
  R_SPF_PERMFAIL: 'permerror',
  R_SPF_TEMPFAIL: 'temperror',
};

describe('RFC 7208 SPF test suite through POST /v1/scan (mailauth, loopback DNS)', () => {
  let dns: ZoneDnsServer;
  let filter: FilterApp;

  beforeAll(async () => {
    dns = await ZoneDnsServer.start({});
    const config = loadConfig({
      DNS_MODE: 'servers',
      DNS_SERVERS: dns.address,
      DNS_TIMEOUT_MS: '200',
      DNS_CACHE_SECONDS: '0',
      SCAN_CHECK_TIMEOUT_MS: '4000',
      SCAN_DEADLINE_MS: '5000',
    });
    filter = await createFilterApp(config, { scanLog: null, defaultMetrics: false });
  });
  afterAll(async () => {
    await filter?.close();
    await dns?.close();
  });

  it('gives every test its expected result, apart from the listed library deviations', async () => {
    const mismatches: string[] = [];
    const stale: string[] = [];
    let ran = 0;
    for (const scenario of suite) {
      dns.setZone(zoneOf(scenario.zonedata));
      dns.reset();
      dns.misbehave(/^error\./, { mode: 'drop' });
      for (const [id, t] of Object.entries(scenario.tests)) {
        ran++;
        const expected = ([] as string[]).concat(t.result);
        const res = await request(filter.server)
          .post('/v1/scan')
          .set({
            [SCAN_HEADERS.clientIp]: t.host,
            [SCAN_HEADERS.helo]: t.helo,
            [SCAN_HEADERS.mailFrom]: t.mailfrom,
            [SCAN_HEADERS.rcptTo]: 'postmaster@receiver.test',
            'content-type': 'message/rfc822',
          })
          .send('From: tester@sender.test\r\nTo: postmaster@receiver.test\r\nSubject: spf\r\n\r\nbody\r\n');
        let got: string;
        if (res.status !== 200) {
          got = `HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 120)}`;
        } else {
          const v = res.body as ScanVerdict;
          const name =
            v.symbols.map((s) => s.name).find((n) => n in RESULT || n === 'AUTH_TEMPFAIL') ??
            '(no SPF symbol)';
          got = RESULT[name] ?? name;
          const ar = v.headers.find(([h]) => h === 'Authentication-Results')?.[1] ?? '';
          if (RESULT[name] && !ar.includes(`spf=${got} `))
            mismatches.push(`${id}: Authentication-Results disagrees with ${name}: ${ar}`);
        }
        const known = KNOWN_DEVIATIONS[id];
        if (known) {
          if (got !== known.got) stale.push(`${id}: listed as ${known.got} (${known.whose}), got ${got}`);
        } else if (!expected.includes(got)) {
          mismatches.push(
            `${id} (${t.spec ?? '?'}; ${scenario.description}): expected ${expected.join('|')}, got ${got}`,
          );
        }
      }
    }
    expect(ran).toBe(203);
    expect(stale).toEqual([]);
    expect(mismatches).toEqual([]);
  }, 300_000);
});
