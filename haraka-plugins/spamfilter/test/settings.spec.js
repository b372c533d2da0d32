'use strict';
const { normalizeSettings, DEFAULTS } = require('../lib/settings');

describe('normalizeSettings', () => {
  it('gives the documented defaults for an empty ini', () => {
    const { settings, problems } = normalizeSettings({}, 30);
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({
      url: 'http://127.0.0.1:8025',
      direction: 'inbound',
      failOpen: true,
      scanDeadlineMs: 10000,
      checkDeadlineMs: 1500,
      checkConnect: false,
      checkRcpt: true,
      requireAuth: true,
      maxRecipients: 1000,
      token: '',
      skipIps: [],
    });
    expect(settings.stripHeaders).toEqual(DEFAULTS.strip_headers);
  });

  it('parses the values haraka-config hands over as strings', () => {
    const { settings, problems } = normalizeSettings(
      {
        main: {
          url: 'http://10.0.0.5:9000/',
          direction: 'outbound',
          fail_open: 'false',
          scan_deadline_ms: '2500',
        },
        checks: { connect: 'yes', rcpt: 'no' },
        skip: { ips: '10.0.0.1, 10.0.0.2' },
      },
      30,
    );
    expect(problems).toEqual([]);
    expect(settings.url).toBe('http://10.0.0.5:9000');
    expect(settings.direction).toBe('outbound');
    expect(settings.failOpen).toBe(false);
    expect(settings.scanDeadlineMs).toBe(2500);
    expect(settings.checkConnect).toBe(true);
    expect(settings.checkRcpt).toBe(false);
    expect(settings.skipIps).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('keeps the deadline below Haraka’s plugin timeout', () => {
    const { settings, problems } = normalizeSettings({ main: { scan_deadline_ms: '45000' } }, 30);
    expect(settings.scanDeadlineMs).toBe(29000);
    expect(problems[0]).toMatch(/scan_deadline_ms 45000 is not below the plugin timeout/);
    expect(normalizeSettings({}, 5).settings.scanDeadlineMs).toBe(4000);
  });

  it('names each invalid key and falls back to its default', () => {
    const { settings, problems } = normalizeSettings(
      { main: { url: 'ftp://x', direction: 'sideways', fail_open: 'maybe', max_sockets: '0' } },
      30,
    );
    expect(settings.url).toBe(DEFAULTS.url);
    expect(settings.direction).toBe('inbound');
    expect(settings.failOpen).toBe(true);
    expect(settings.maxSockets).toBe(64);
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/main.url.*main.direction.*main.fail_open.*main.max_sockets/s);
  });

  it('reads [pools] and the outbound report keys, with documented defaults and named problems', () => {
    const defaults = normalizeSettings({}, 30).settings;
    expect(defaults).toMatchObject({
      pools: {},
      poolHeader: 'X-Spam-Outbound-Pool',
      reportDeliveries: true,
      reportDeadlineMs: 2000,
    });
    expect(defaults.stripHeaders).toContain('X-Spam-Outbound-Pool');
    const { settings, problems } = normalizeSettings(
      {
        pools: { risky: '127.0.0.1:2527', broken: 'x:y' },
        outbound: { report_deliveries: 'false', report_deadline_ms: '5', pool_header: 'bad header' },
      },
      30,
    );
    expect(settings.pools).toEqual({ risky: { host: '127.0.0.1', port: 2527 } });
    expect(settings.reportDeliveries).toBe(false);
    expect(settings.reportDeadlineMs).toBe(2000);
    expect(settings.poolHeader).toBe('X-Spam-Outbound-Pool');
    expect(problems.join('\n')).toMatch(/pools\.broken/);
    expect(problems.join('\n')).toMatch(/outbound\.report_deadline_ms/);
    expect(problems.join('\n')).toMatch(/outbound\.pool_header/);
  });

  it('reads [auth_guard]: on by default, 454 or 421 only, its deadline under the plugin timeout', () => {
    expect(normalizeSettings({}, 30).settings.authGuard).toEqual({
      enabled: true,
      replyCode: 454,
      deadlineMs: 1000,
    });
    expect(
      normalizeSettings({ auth_guard: { enabled: 'no', reply_code: '421', deadline_ms: '250' } }, 30).settings
        .authGuard,
    ).toEqual({
      enabled: false,
      replyCode: 421,
      deadlineMs: 250,
    });
    const { settings, problems } = normalizeSettings(
      { auth_guard: { enabled: 'sometimes', reply_code: '535', deadline_ms: '9000' } },
      5,
    );
    expect(settings.authGuard).toEqual({ enabled: true, replyCode: 454, deadlineMs: 4000 });
    expect(problems).toEqual(
      expect.arrayContaining([
        'auth_guard.enabled is invalid; using true',
        'auth_guard.reply_code must be 454 or 421; using 454',
        expect.stringMatching(/^auth_guard\.deadline_ms 9000 is not below the plugin timeout/),
      ]),
    );
  });
});

describe('normalizeSettings: the filter token and the recipient limit', () => {
  it('takes FILTER_API_TOKEN from the environment over main.token', () => {
    expect(normalizeSettings({ main: { token: 'from-ini' } }, 30, {}).settings.token).toBe('from-ini');
    expect(
      normalizeSettings({ main: { token: 'from-ini' } }, 30, { FILTER_API_TOKEN: 'from-env' }).settings.token,
    ).toBe('from-env');
  });

  it('names a token with spaces as a problem', () => {
    expect(normalizeSettings({ main: { token: 'a b' } }, 30, {}).problems).toEqual([
      'the filter token contains spaces or control characters',
    ]);
  });

  it('refuses a max_recipients outside 1..100000 and keeps the default', () => {
    const { settings, problems } = normalizeSettings({ main: { max_recipients: '0' } }, 30, {});
    expect(settings.maxRecipients).toBe(1000);
    expect(problems).toEqual(['main.max_recipients is invalid; using 1000']);
  });

  it('metrics.listen: off by default; host:port or [ipv6]:port; SPAMFILTER_METRICS_LISTEN wins; garbage keeps it off', () => {
    expect(normalizeSettings({}, 30).settings.metricsListen).toBeNull();
    expect(normalizeSettings({ metrics: { listen: '0.0.0.0:9325' } }, 30).settings.metricsListen).toEqual({
      host: '0.0.0.0',
      port: 9325,
    });
    expect(normalizeSettings({ metrics: { listen: '[::]:9325' } }, 30).settings.metricsListen).toEqual({
      host: '::',
      port: 9325,
    });
    const env = { SPAMFILTER_METRICS_LISTEN: '127.0.0.1:9400' };
    expect(
      normalizeSettings({ metrics: { listen: '0.0.0.0:9325' } }, 30, env).settings.metricsListen,
    ).toEqual({ host: '127.0.0.1', port: 9400 });
    const bad = normalizeSettings({ metrics: { listen: '9325' } }, 30);
    expect(bad.settings.metricsListen).toBeNull();
    expect(bad.problems).toEqual(['metrics.listen must be host:port; the metrics endpoint stays off']);
  });
});

describe('the shipped config/spamfilter.ini', () => {
  const path = require('node:path');
  const ini = require('haraka-config/lib/readers/ini');
  const file = path.join(__dirname, '..', 'config', 'spamfilter.ini');

  it('parses with haraka-config without an invalid line, each key in the section the plugin reads it from', () => {
    const warnings = [];
    const logger = ini.logger;
    ini.logger = (m) => warnings.push(m);
    let parsed;
    try {
      parsed = ini.load(file, {});
    } finally {
      ini.logger = logger;
    }
    expect(warnings).toEqual([]);
    // a comment that lost its ';' once swallowed the [auth_guard] header: its keys landed in [outbound]
    expect(Object.keys(parsed.auth_guard).sort()).toEqual(['deadline_ms', 'enabled', 'reply_code']);
    expect(parsed.outbound).not.toHaveProperty('enabled');
    expect(parsed.outbound).toHaveProperty('pool_header', 'X-Spam-Outbound-Pool');
    expect(normalizeSettings(parsed, 30).problems).toEqual([]);
  });
});
