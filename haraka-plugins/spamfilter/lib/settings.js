'use strict';
// Turns the parsed spamfilter.ini into a validated settings object. Pure: the plugin passes in what Haraka's config
// loader parsed and the plugin timeout, so every default and every rule is unit-tested without Haraka.

const { parsePools } = require('./pools');

const DEFAULTS = Object.freeze({
  url: 'http://127.0.0.1:8025',
  direction: 'inbound',
  fail_open: true,
  scan_deadline_ms: 10000,
  check_deadline_ms: 1500,
  max_bytes: 26214400,
  max_recipients: 1000,
  token: '',
  max_sockets: 64,
  keepalive: true,
  check_connect: false,
  check_rcpt: true,
  hosted_domains: true,
  require_auth: true,
  strip_headers: [
    'X-Spam-Status',
    'X-Spam-Status-For',
    'X-Spam-Score',
    'X-Spam-Reference',
    'X-Spam-Flag',
    'X-Spam-Hold',
    'X-Spam-Outbound-Pool',
    'X-Spam-Symbols',
  ],
  // the filter's FILTER_MTA_NAME default: incoming Authentication-Results claiming it are removed (RFC 8601 §5)
  authserv_id: ['spamfilter.local'],
  skip_ips: [],
  pool_header: 'X-Spam-Outbound-Pool',
  report_deliveries: true,
  report_deadline_ms: 2000,
  auth_guard: true,
  auth_guard_reply_code: 454,
  auth_guard_deadline_ms: 1000,
  metrics_listen: '',
});

// Haraka kills a hook that has not called next() after its plugin timeout (30 s unless spamfilter.timeout or
// plugin_timeout says otherwise) and then *accepts* the mail. Our own deadline must fire first, with this margin, so
// the fail_open switch, not Haraka, decides what happens to the message.
const TIMEOUT_MARGIN_MS = 1000;

function toList(value) {
  if (Array.isArray(value)) return value.map((v) => String(v).trim()).filter(Boolean);
  if (value === undefined || value === null) return [];
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function toBool(value, fallback) {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  const v = String(value).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return undefined;
}

function toInt(value, fallback, min, max) {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) return undefined;
  return n;
}

/**
 * @param {object} ini  what haraka-config parsed from spamfilter.ini (sections main, checks, outbound, headers, skip,
 *   pools, auth_guard)
 * @param {number} pluginTimeoutSec  Haraka's timeout for this plugin's hooks
 * @returns {{ settings: object, problems: string[] }}  problems name each bad key; the default is used for it
 */
function normalizeSettings(ini, pluginTimeoutSec = 30, env = {}) {
  const main = (ini && ini.main) || {};
  const checks = (ini && ini.checks) || {};
  const outbound = (ini && ini.outbound) || {};
  const headers = (ini && ini.headers) || {};
  const skip = (ini && ini.skip) || {};
  const authGuard = (ini && ini.auth_guard) || {};
  const metrics = (ini && ini.metrics) || {};
  const parsedPools = parsePools(ini && ini.pools);
  const problems = [...parsedPools.problems];

  const pick = (key, parsed, fallback) => {
    if (parsed === undefined) {
      problems.push(`${key} is invalid; using ${JSON.stringify(fallback)}`);
      return fallback;
    }
    return parsed;
  };

  let url = main.url === undefined || main.url === '' ? DEFAULTS.url : String(main.url).replace(/\/+$/, '');
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    problems.push(`main.url is invalid; using ${DEFAULTS.url}`);
    url = DEFAULTS.url;
  }

  let direction =
    main.direction === undefined || main.direction === '' ? DEFAULTS.direction : String(main.direction);
  if (direction !== 'inbound' && direction !== 'outbound') {
    problems.push(`main.direction must be inbound or outbound; using ${DEFAULTS.direction}`);
    direction = DEFAULTS.direction;
  }

  const limitMs = Math.max(100, pluginTimeoutSec * 1000 - TIMEOUT_MARGIN_MS);
  let scanDeadlineMs = pick(
    'main.scan_deadline_ms',
    toInt(main.scan_deadline_ms, DEFAULTS.scan_deadline_ms, 10, 3600000),
    DEFAULTS.scan_deadline_ms,
  );
  let checkDeadlineMs = pick(
    'main.check_deadline_ms',
    toInt(main.check_deadline_ms, DEFAULTS.check_deadline_ms, 10, 3600000),
    DEFAULTS.check_deadline_ms,
  );
  if (scanDeadlineMs > limitMs) {
    problems.push(
      `main.scan_deadline_ms ${scanDeadlineMs} is not below the plugin timeout (${pluginTimeoutSec} s); using ${limitMs}`,
    );
    scanDeadlineMs = limitMs;
  }
  let authGuardDeadlineMs = pick(
    'auth_guard.deadline_ms',
    toInt(authGuard.deadline_ms, DEFAULTS.auth_guard_deadline_ms, 10, 60000),
    DEFAULTS.auth_guard_deadline_ms,
  );
  if (authGuardDeadlineMs > limitMs) {
    problems.push(
      `auth_guard.deadline_ms ${authGuardDeadlineMs} is not below the plugin timeout (${pluginTimeoutSec} s); using ${limitMs}`,
    );
    authGuardDeadlineMs = limitMs;
  }
  let authGuardReplyCode = pick(
    'auth_guard.reply_code',
    toInt(authGuard.reply_code, DEFAULTS.auth_guard_reply_code, 0, 999),
    DEFAULTS.auth_guard_reply_code,
  );
  if (authGuardReplyCode !== 454 && authGuardReplyCode !== 421) {
    problems.push(`auth_guard.reply_code must be 454 or 421; using ${DEFAULTS.auth_guard_reply_code}`);
    authGuardReplyCode = DEFAULTS.auth_guard_reply_code;
  }
  if (checkDeadlineMs > limitMs) {
    problems.push(
      `main.check_deadline_ms ${checkDeadlineMs} is not below the plugin timeout (${pluginTimeoutSec} s); using ${limitMs}`,
    );
    checkDeadlineMs = limitMs;
  }

  // The filter's token: FILTER_API_TOKEN from the environment (a Kubernetes Secret, the quick start's generated one)
  // wins over main.token, so the secret need not be written into a config file.
  const token = String(env.FILTER_API_TOKEN || main.token || DEFAULTS.token).trim();
  if (/[\x00-\x20\x7f]/.test(token)) problems.push('the filter token contains spaces or control characters');
  // The metrics endpoint: SPAMFILTER_METRICS_LISTEN from the environment wins over metrics.listen (k8s/monitoring
  // turns it on with an environment variable, leaving the base ConfigMap alone).
  let metricsListen = String(
    env.SPAMFILTER_METRICS_LISTEN || metrics.listen || DEFAULTS.metrics_listen,
  ).trim();
  if (metricsListen !== '' && !parseListen(metricsListen)) {
    problems.push(`metrics.listen must be host:port; the metrics endpoint stays off`);
    metricsListen = '';
  }
  const poolHeader =
    outbound.pool_header === undefined || outbound.pool_header === ''
      ? DEFAULTS.pool_header
      : String(outbound.pool_header);
  if (!/^[A-Za-z0-9-]+$/.test(poolHeader)) {
    problems.push(`outbound.pool_header is invalid; using ${DEFAULTS.pool_header}`);
  }
  const settings = Object.freeze({
    url,
    direction,
    failOpen: pick('main.fail_open', toBool(main.fail_open, DEFAULTS.fail_open), DEFAULTS.fail_open),
    scanDeadlineMs,
    checkDeadlineMs,
    maxBytes: pick(
      'main.max_bytes',
      toInt(main.max_bytes, DEFAULTS.max_bytes, 1, Number.MAX_SAFE_INTEGER),
      DEFAULTS.max_bytes,
    ),
    maxRecipients: pick(
      'main.max_recipients',
      toInt(main.max_recipients, DEFAULTS.max_recipients, 1, 100000),
      DEFAULTS.max_recipients,
    ),
    token,
    maxSockets: pick(
      'main.max_sockets',
      toInt(main.max_sockets, DEFAULTS.max_sockets, 1, 10000),
      DEFAULTS.max_sockets,
    ),
    keepalive: pick('main.keepalive', toBool(main.keepalive, DEFAULTS.keepalive), DEFAULTS.keepalive),
    checkConnect: pick(
      'checks.connect',
      toBool(checks.connect, DEFAULTS.check_connect),
      DEFAULTS.check_connect,
    ),
    checkRcpt: pick('checks.rcpt', toBool(checks.rcpt, DEFAULTS.check_rcpt), DEFAULTS.check_rcpt),
    hostedDomains: pick(
      'checks.hosted_domains',
      toBool(checks.hosted_domains, DEFAULTS.hosted_domains),
      DEFAULTS.hosted_domains,
    ),
    requireAuth: pick(
      'outbound.require_auth',
      toBool(outbound.require_auth, DEFAULTS.require_auth),
      DEFAULTS.require_auth,
    ),
    stripHeaders: Object.freeze(
      headers.strip === undefined ? [...DEFAULTS.strip_headers] : toList(headers.strip),
    ),
    authservIds: Object.freeze(
      headers.authserv_id === undefined || headers.authserv_id === ''
        ? [...DEFAULTS.authserv_id]
        : toList(headers.authserv_id),
    ),
    skipIps: Object.freeze(toList(skip.ips)),
    pools: parsedPools.pools,
    poolHeader: /^[A-Za-z0-9-]+$/.test(poolHeader) ? poolHeader : DEFAULTS.pool_header,
    reportDeliveries: pick(
      'outbound.report_deliveries',
      toBool(outbound.report_deliveries, DEFAULTS.report_deliveries),
      DEFAULTS.report_deliveries,
    ),
    reportDeadlineMs: pick(
      'outbound.report_deadline_ms',
      toInt(outbound.report_deadline_ms, DEFAULTS.report_deadline_ms, 10, 60000),
      DEFAULTS.report_deadline_ms,
    ),
    authGuard: Object.freeze({
      enabled: pick(
        'auth_guard.enabled',
        toBool(authGuard.enabled, DEFAULTS.auth_guard),
        DEFAULTS.auth_guard,
      ),
      replyCode: authGuardReplyCode,
      deadlineMs: authGuardDeadlineMs,
    }),
    metricsListen: metricsListen === '' ? null : parseListen(metricsListen),
  });
  return { settings, problems };
}

/** host:port or [ipv6]:port (port 0..65535; 0: any free port, for tests) → { host, port }, or null. */
function parseListen(value) {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value);
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return Object.freeze({ host: m[1] || m[2], port });
}

module.exports = { normalizeSettings, parseListen, DEFAULTS, TIMEOUT_MARGIN_MS };
