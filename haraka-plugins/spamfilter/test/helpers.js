'use strict';
// Test helpers: the plugin under haraka-test-fixtures, and a fake filter on 127.0.0.1:0 that can answer, hang, drop
// or send garbage, and counts its open sockets so tests can prove nothing leaks.

const http = require('node:http');
const path = require('node:path');
const fixtures = require('haraka-test-fixtures');

const PLUGIN_DIR = path.resolve(__dirname, '..');

// haraka-test-fixtures looks for the plugin beside its own node_modules; ours lives in haraka-plugins/spamfilter
// of a monorepo, so point it at the package directly (the path is all that changes; loading is the fixture's).
class SpamfilterPlugin extends (fixtures.plugin.Plugin || fixtures.plugin) {
  _get_plugin_path() {
    this.hasPackageJson = true;
    return path.join(PLUGIN_DIR, 'package.json');
  }
}

function makePlugin() {
  const plugin = new SpamfilterPlugin('spamfilter');
  plugin.register();
  return plugin;
}

/** Replace the plugin's settings (as if spamfilter.ini said so) and point it at a filter. */
function configure(plugin, ini) {
  const { normalizeSettings } = require('../lib/settings');
  const { FilterClient } = require('../lib/client');
  const { settings, problems } = normalizeSettings(ini, 30); // Haraka’s default plugin timeout (the fixture uses 10 s)
  if (problems.length) throw new Error(problems.join('; '));
  if (plugin.client) plugin.client.close();
  plugin.settings = settings;
  plugin.client = new FilterClient(settings);
  return plugin;
}

/** A connection with a transaction holding `message` (a string with CRLF line ends) as received. */
async function makeTransaction({
  ip = '192.0.2.10',
  helo = 'mx.sender.example',
  mailFrom = 'alice@sender.example',
  rcptTo = ['bob@example.net'],
  message,
  relaying = false,
  authUser,
} = {}) {
  const connection = fixtures.makeConnection({ ip, helo, mailFrom, rcptTo, silent: true, relaying });
  if (authUser) connection.notes.auth_user = authUser;
  const txn = connection.transaction;
  // The fixture's transaction keeps header lines only below cfg.headers.max_lines, which its default cfg lacks.
  txn.cfg = { ...txn.cfg, headers: { max_lines: 1000, ...((txn.cfg && txn.cfg.headers) || {}) } };
  for (const line of message.split(/(?<=\r\n)/)) {
    const buf = Buffer.from(line);
    txn.add_data(buf);
    txn.data_bytes += buf.length;
  }
  await new Promise((resolve) => txn.end_data(resolve));
  return connection;
}

/**
 * Calls a hook and records *every* next() call, resolving after the first and a grace period, so a test can
 * assert that next() ran exactly once even if something answers late.
 */
function callHook(plugin, method, connection, args = [], graceMs = 50) {
  return new Promise((resolve) => {
    const calls = [];
    const next = (rc, msg) => {
      calls.push({ rc, msg });
      if (calls.length === 1) setTimeout(() => resolve({ rc, msg, calls }), graceMs);
    };
    plugin[method](next, connection, ...args);
  });
}

/** msg may be a DSN or a string: the reply text and code as the client would see them. */
function reply(msg) {
  if (msg && typeof msg === 'object') return { code: msg.code, text: String(msg.reply) };
  return { code: undefined, text: msg === undefined ? '' : String(msg) };
}

/**
 * A fake filter. handler(req, body, res) answers; it may do nothing (hang) or destroy the socket (drop).
 * Records every request with its headers and body.
 */
async function startFakeFilter(handler) {
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, body, res);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    openSockets: () => sockets.size,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const json = (res, status, value) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof value === 'string' ? value : JSON.stringify(value));
};

const CLASS = {
  accept: 'deliver',
  tag: 'deliver',
  hold: 'deliver',
  greylist: 'temp',
  defer: 'temp',
  reject: 'perm',
  block: 'perm',
};
const ORDER = ['accept', 'tag', 'greylist', 'defer', 'hold', 'reject', 'block'];

/**
 * A well-formed verdict with per-recipient actions and the delivery plan the filter makes for them
 * (apps/filter delivery-plan.ts, the same rules in brief): any temporary action → tempfail; inbound nobody
 * deliverable, or outbound any refusal → refuse; else one copy per action, refused inbound recipients quarantined,
 * held outbound recipients kept (no copy).
 */
function verdict(
  actions,
  { reference = '01JD0000000000000000000000', score = 7.5, headers, direction = 'inbound' } = {},
) {
  const smtpFor = (action) =>
    ({
      greylist: { code: 451, enhanced: '4.7.1', message: 'Greylisted, try again in 5 minutes' },
      defer: { code: 421, enhanced: '4.7.0', message: 'Rate limit exceeded' },
      reject: { code: 550, enhanced: '5.7.1', message: `Message refused as spam (ref ${reference})` },
      block: { code: 550, enhanced: '5.7.1', message: `Account blocked (ref ${reference})` },
    })[action] || { code: 250, enhanced: '2.0.0', message: 'OK' };
  const entries = Object.entries(actions);
  const worst = entries.reduce((w, [, a]) => (ORDER.indexOf(a) > ORDER.indexOf(w) ? a : w), 'accept');
  const classes = entries.map(([, a]) => CLASS[a]);
  const temp = classes.includes('temp');
  const refuse =
    !temp && (!classes.includes('deliver') || (direction === 'outbound' && CLASS[worst] === 'perm'));
  const copies = new Map();
  const dispositions = {};
  for (const [recipient, own] of entries) {
    const action = direction === 'outbound' ? worst : own;
    if (temp || refuse) {
      dispositions[recipient] = temp ? 'deferred' : 'refused';
      continue;
    }
    if (CLASS[action] === 'perm') {
      dispositions[recipient] = 'quarantined';
      continue;
    }
    if (action === 'hold') {
      dispositions[recipient] = 'held';
      continue;
    }
    dispositions[recipient] = action === 'tag' ? 'tagged' : 'delivered';
    if (!copies.has(action)) {
      copies.set(action, {
        recipients: [],
        headers: [
          ...(headers || [['X-Spam-Reference', reference]]),
          [
            'X-Spam-Status',
            `${action === 'accept' ? 'No' : 'Yes'}, score=${score.toFixed(2)} action=${action}`,
          ],
        ],
      });
    }
    copies.get(action).recipients.push(recipient);
  }
  const smtpAction = temp
    ? entries.some(([, a]) => a === 'defer')
      ? 'defer'
      : 'greylist'
    : refuse
      ? worst
      : 'accept';
  return {
    reference,
    action: worst,
    score,
    recipients: entries.map(([recipient, action]) => ({
      recipient,
      action,
      score,
      thresholds: { tag: 5, greylist: 3, reject: 15 },
      symbols: [],
      reason: `${action} for ${recipient}`,
      smtp: smtpFor(action),
      disposition: dispositions[recipient],
    })),
    symbols: [],
    headers: [['X-Spam-Score', String(score)]],
    reason: `overall ${worst}`,
    smtp: smtpFor(smtpAction),
    delivery: { outcome: temp ? 'tempfail' : refuse ? 'refuse' : 'deliver', copies: [...copies.values()] },
    elapsedMs: 3,
  };
}

const MESSAGE = [
  'From: Alice <alice@sender.example>',
  'To: Bob <bob@example.net>',
  'Subject: lunch',
  'X-Spam-Status: No, forged by the sender',
  'Message-ID: <m1@sender.example>',
  '',
  'Shall we meet at noon?',
  '..a line that began with a dot',
  'Bye',
  '',
].join('\r\n');

module.exports = {
  PLUGIN_DIR,
  makePlugin,
  configure,
  makeTransaction,
  callHook,
  reply,
  startFakeFilter,
  json,
  verdict,
  MESSAGE,
};
