'use strict';
// haraka-plugin-spamfilter: a thin SMTP-side client of the spam filter (apps/filter).
//   connect   POST /v1/recipient with the client IP only: a block-listed IP is refused with 554 and disconnected
//   mail      outbound submission without AUTH is refused (530 5.7.0)
//   rcpt      recipients past max_recipients get 452 4.5.3 (the client sends them in another transaction)
//   rcpt_ok   POST /v1/recipient per recipient (after the relay check accepted it): the recipient's own block list
//             or greylisting refuses that recipient only
//   data_post POST /v1/scan with the envelope in headers and the raw message streamed as the body; the verdict's
//             delivery plan is applied by lib/outcome.js (copies with their own headers, 451, 421, 550 + reference).
//             Only an unavailable filter (unreachable, too slow, 5xx, an answer it cannot read) follows fail_open;
//             a 4xx answer is about the input and refuses the message; nothing a sender sends skips the scan.
//             Forged X-Spam-* headers and Authentication-Results claiming our authserv-id (lib/auth-results.js)
//             are removed first
//   queue     a message whose every copy the filter kept (quarantined, held) is accepted and discarded here; one
//             whose recipients got different verdicts is delivered as one copy per verdict (each with its own
//             headers) by this plugin — over SMTP to queue/smtp_forward's next hop, or, when queue/lmtp delivers (a
//             mailbox server such as Dovecot), into Haraka's outbound queue for LMTP like queue/lmtp's own mail;
//             everything else goes on to that queue plugin
//   queue_outbound  the same discard (held mail); the rest is forwarded by this plugin, recording each recipient's
//             reply: to the IP pool's next hop ([pools] in spamfilter.ini) when the filter tagged one
//             (X-Spam-Outbound-Pool), else to smtp_forward.ini's [main] next hop
//   deny, reset_transaction  outbound: counts recipients refused at RCPT and records each recipient's reply from the
//             next hop (code, text, time), and reports them to POST /v1/outbound/deliveries with the message's
//             reference once per transaction (fire-and-forget)
//   unrecognized_command (before the auth plugin), disconnect  SMTP AUTH abuse protection across connections:
//             POST /v1/auth/check before the password is checked (locked: 454 4.7.0), POST /v1/auth/result after
//   init_master  with [metrics] listen: GET /metrics (lib/metrics.js), the totals of every worker's counts
// Decisions live in lib/*.js (pure, unit-tested); this file only gathers facts, calls the filter and maps results
// to Haraka's return codes. Every hook answers through a once() guard, and every failure is handled here: a plugin
// that throws is logged by Haraka and the mail is *accepted*, which must never be how a failure ends.

const cluster = require('node:cluster');
const http = require('node:http');
const { PassThrough } = require('node:stream');
const DSN = require('haraka-dsn');
const constants = require('haraka-constants');

const { normalizeSettings } = require('./lib/settings');
const { buildEnvelopeHeaders, RELEASE_HEADER } = require('./lib/request');
const { parseScanVerdict, parseRecipientAnswer, oneLine } = require('./lib/verdict');
const {
  decideScan,
  decideUnscanned,
  decideBadInput,
  decideTooBig,
  decideUnauthorized,
  decideRecipient,
  decideHostedRecipient,
  decideConnect,
  TOO_MANY_RECIPIENTS,
} = require('./lib/outcome');
const { skipReason } = require('./lib/skip');
const { once } = require('./lib/once');
const { FilterClient } = require('./lib/client');
const { routeFor, poolFromHeaders } = require('./lib/pools');
const { buildDeliveryReport, settleRecipients } = require('./lib/deliveries');
const { stripForgedAuthResults } = require('./lib/auth-results');
const { authStep, authTally, authOutcome, parseAuthCheck, lockedReply } = require('./lib/auth-guard');
const { Counters, OUTCOME_LABEL, metricMessage, CONTENT_TYPE } = require('./lib/metrics');
const { deliveryQueue } = require('./lib/next-hop');

const RETVAL = {
  DENY: constants.deny,
  DENYSOFT: constants.denysoft,
  DENYDISCONNECT: constants.denydisconnect,
  DENYSOFTDISCONNECT: constants.denysoftdisconnect,
};

exports.register = function () {
  this.metrics = new Counters();
  this.load_spamfilter_ini();
  // The AUTH guard must see each credentials line before the auth plugin checks the password. Haraka runs a hook's
  // plugins by priority first, list order second (plugins.js sorts registered_hooks), so a negative priority puts it
  // ahead of auth/flat_file or auth/auth_proxy while config/plugins keeps spamfilter after queue/quarantine, where
  // its queue hooks must be.
  this.register_hook('unrecognized_command', 'auth_guard', -50);
};

exports.load_spamfilter_ini = function () {
  const ini = this.config.get('spamfilter.ini', () => this.load_spamfilter_ini());
  const { settings, problems } = normalizeSettings(ini, this.timeout, process.env);
  for (const problem of problems) this.logerror(`spamfilter.ini: ${problem}`);
  const previous = this.client;
  this.settings = settings;
  this.client = new FilterClient(settings);
  // Requests still running on the old client finish within their deadline; close it after that.
  if (previous) setTimeout(() => previous.close(), settings.scanDeadlineMs + 1000).unref();
};

exports.shutdown = function () {
  if (this.client) this.client.close();
  if (this.metrics_server) this.metrics_server.close();
};

/**
 * [metrics] listen: serves GET /metrics from the master process (the only process with nodes=0). Cluster workers
 * send each count to the master (count below), so one scrape sees every worker's totals and a worker that restarts
 * loses nothing already sent. The address is read once, at start.
 */
exports.hook_init_master = function (next) {
  const listen = this.settings.metricsListen;
  if (!listen) return next();
  cluster.on('message', (_worker, msg) => {
    const m = metricMessage(msg);
    if (m) this.metrics.inc(m.name, m.labels);
  });
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found\n');
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPE });
    res.end(this.metrics.exposition());
  });
  server.on('error', (err) =>
    this.logerror(`metrics endpoint on ${listen.host}:${listen.port}: ${err.message}`),
  );
  server.listen(listen.port, listen.host, () => {
    const a = server.address();
    this.loginfo(`metrics on http://${listen.host}:${a.port}/metrics`);
  });
  this.metrics_server = server;
  next();
};

/** Counts one event: here, or in the master when this is a cluster worker (only with the endpoint on). */
exports.count = function (name, labels) {
  if (cluster.isWorker) {
    if (!this.settings.metricsListen || typeof process.send !== 'function') return;
    try {
      process.send({ spamfilter_metric: { name, labels } });
    } catch {
      // the master is gone (shutting down): nothing to count for
    }
    return;
  }
  this.metrics.inc(name, labels);
};

exports.count_message = function (kind) {
  this.count('spamfilter_haraka_messages_total', {
    direction: this.settings.direction,
    outcome: OUTCOME_LABEL[kind] || kind,
  });
};

/** next() exactly once, whatever path ends the hook; a second call is a bug worth a log line. */
exports.guard = function (next, connection, hook) {
  return once(next, () => connection.logerror(this, `${hook}: next() called more than once; ignored`));
};

exports.dsn = function (reply) {
  const [, sub, det] = reply.enhanced.split('.').map(Number);
  return new DSN(reply.code, reply.message, reply.code, sub, det);
};

exports.facts = function (connection) {
  const txn = connection.transaction;
  const mailFrom = txn && txn.mail_from ? (txn.mail_from.isNull() ? '' : txn.mail_from.address) : undefined;
  return {
    clientIp: connection.remote.ip,
    clientHostname:
      connection.remote.host && connection.remote.host !== 'DNSERROR' ? connection.remote.host : undefined,
    helo: connection.hello.host || undefined,
    mailFrom,
    direction: this.settings.direction,
    authUser: connection.notes.auth_user || undefined,
    queueId: txn ? txn.uuid : undefined,
  };
};

exports.hook_connect = function (next, connection) {
  const done = this.guard(next, connection, 'connect');
  if (!this.settings.checkConnect) return done();
  const headers = buildEnvelopeHeaders({
    clientIp: connection.remote.ip,
    direction: this.settings.direction,
  });
  this.client.post('/v1/recipient', headers, this.settings.checkDeadlineMs).then(
    (res) => {
      const answer = this.recipient_answer(connection, 'connect', res);
      if (!answer) return done();
      const out = decideConnect(answer);
      if (out.kind === 'continue') return done();
      connection.results.add(this, { fail: 'connect', msg: answer.reason });
      return done(RETVAL[out.reply.retval], this.dsn(out.reply));
    },
    (err) => {
      // A pre-check that cannot run costs nothing: the scan after DATA still decides.
      connection.logwarn(this, `connect check skipped: ${err.message}`);
      done();
    },
  );
};

// SMTP AUTH abuse protection across connections. The auth plugin (auth_base) slows guessing only within one
// connection; the filter counts failures per client IP and per account across connections and instances and says
// when AUTH must wait. Haraka has no hook that tells another plugin how a password check went, but auth_base records
// each check in connection.results ('auth': pass, or fail) the moment it is made and answers a failure only
// 2^(n-1) s later: the outcome is read there right after the line was handed on (synchronous back ends such as
// auth/flat_file have recorded it by then), every AUTH_WATCH_MS while it is pending (asynchronous ones such as
// auth/auth_proxy), and a last time at disconnect, and reported to the filter before the client can learn it.
const AUTH_WATCH_MS = 100;
const DISCONNECTING = constants.connection.state.DISCONNECTING;

exports.auth_guard = function (next, connection, params) {
  const done = this.guard(next, connection, 'unrecognized_command');
  let step;
  try {
    if (!this.settings.authGuard.enabled) return done();
    step = authStep(params, connection.notes);
  } catch (err) {
    connection.logerror(this, `auth guard skipped: ${err.stack || err}`);
    return done();
  }
  if (step.kind !== 'credentials') return done();
  this.auth_report(connection); // an earlier attempt on this connection whose outcome was not reported yet
  const attempt = { user: step.user, before: authTally(connection.results.get('auth')) };
  const handOn = () => {
    connection.notes.spamfilter_auth = attempt;
    done();
    try {
      this.auth_watch(connection, attempt);
    } catch (err) {
      connection.logerror(this, `auth guard report skipped: ${err.stack || err}`);
    }
  };
  const body = { ip: connection.remote.ip, ...(step.user ? { account: step.user } : {}) };
  this.post_json('/v1/auth/check', body, this.settings.authGuard.deadlineMs)
    .then(
      (res) => {
        const parsed =
          res.status === 200
            ? parseAuthCheck(res.body)
            : { ok: false, error: `filter answered HTTP ${res.status}` };
        if (!parsed.ok) {
          connection.logwarn(this, `auth guard check skipped (AUTH goes on): ${parsed.error}`);
          return handOn();
        }
        if (parsed.answer.allow) return handOn();
        const reply = lockedReply(parsed.answer, this.settings.authGuard.replyCode);
        connection.results.add(this, { fail: `auth_guard:${parsed.answer.reason}` });
        connection.lognotice(
          this,
          `AUTH refused for ${JSON.stringify(step.user)}: ${parsed.answer.reason} locked out`,
        );
        // End the exchange as auth_base ends a failed one (check_user), so the next AUTH starts afresh.
        connection.notes.authenticating = false;
        connection.notes.auth_login_userlogin = null;
        connection.notes.auth_login_asked_login = false;
        if (reply.disconnect) return done(constants.denysoftdisconnect, reply.message);
        connection.respond(reply.code, reply.message, () => done(constants.ok));
      },
      (err) => {
        // Availability first: a filter that cannot be asked must not lock every user out.
        connection.logwarn(this, `auth guard check failed (AUTH goes on): ${err.kind}: ${err.message}`);
        handOn();
      },
    )
    .catch((err) => {
      connection.logerror(this, `auth guard failed (AUTH goes on): ${err.stack || err}`);
      if (!done.called) done();
    });
};

/**
 * Reports the attempt's outcome once the auth plugin has recorded it; polls while the connection lasts, at most as
 * long as Haraka lets the auth plugin's hook run (its timeout, which ends the check either way).
 */
exports.auth_watch = function (connection, attempt) {
  const until = Date.now() + Math.max(this.timeout || 30, 1) * 1000 + AUTH_WATCH_MS;
  const look = () => {
    if (connection.notes.spamfilter_auth !== attempt) return; // reported, or replaced by a newer attempt
    if (this.auth_report(connection)) return;
    if (connection.state >= DISCONNECTING || Date.now() > until) return; // hook_disconnect reports what is left
    setTimeout(look, AUTH_WATCH_MS).unref();
  };
  look();
};

/** POST /v1/auth/result for the pending attempt if its outcome is known; true when nothing is left pending. */
exports.auth_report = function (connection) {
  const attempt = connection.notes.spamfilter_auth;
  if (!attempt) return true;
  const outcome = authOutcome(attempt.before, connection.results.get('auth'));
  if (!outcome) return false;
  connection.notes.spamfilter_auth = null;
  const body = {
    ip: connection.remote.ip,
    ...(attempt.user ? { account: attempt.user } : {}),
    success: outcome === 'success',
  };
  this.post_json('/v1/auth/result', body, this.settings.authGuard.deadlineMs).then(
    (res) => {
      if (res.status !== 200)
        connection.logwarn(this, `auth guard report: filter answered HTTP ${res.status}`);
    },
    (err) => connection.logwarn(this, `auth guard report failed (${err.kind}): ${err.message}`),
  );
  return true;
};

exports.hook_disconnect = function (next, connection) {
  try {
    this.auth_report(connection);
  } catch (err) {
    connection.logerror(this, `auth guard report skipped: ${err.stack || err}`);
  }
  next();
};

exports.hook_mail = function (next, connection) {
  if (this.settings.direction === 'outbound' && this.settings.requireAuth && !connection.relaying) {
    return next(
      constants.deny,
      this.dsn({ code: 530, enhanced: '5.7.0', message: 'Authentication required' }),
    );
  }
  next();
};

// RFC 5321 §4.5.3.1.10: a server may limit recipients per transaction and answer 452 to the excess; the client
// then sends those in a later transaction. The filter scans at most SCAN_MAX_RECIPIENTS at once, so nothing past
// the limit is ever accepted (and nothing is delivered unscanned for it).
//
// Which domains are hosted: with [checks] hosted_domains (default), this hook asks the filter (POST /v1/recipient,
// answered from the database's domains and users) and answers OK itself for a hosted domain, so a domain added
// through the API is accepted at once and a removed one refused as relaying, without editing a file or restarting
// Haraka. A domain is hosted when the database OR config/host_list has it: the file keeps the quick start's domains
// (and stays the whole answer when the filter cannot tell: no database, or down), the database adds the customers'
// domains at run time. Stopping to host a domain means removing it from both. The database's answer was chosen over
// replacing the file outright because a filter outage must never turn the MX into an open relay or refuse everyone.
exports.hook_rcpt = function (next, connection, params) {
  const txn = connection.transaction;
  // Haraka has already added this recipient to rcpt_to when the hook runs (and takes it out again on a refusal).
  if (txn && txn.rcpt_to.length > this.settings.maxRecipients) {
    return next(RETVAL[TOO_MANY_RECIPIENTS.retval], this.dsn(TOO_MANY_RECIPIENTS));
  }
  const s = this.settings;
  if (!s.hostedDomains || !s.checkRcpt || s.direction !== 'inbound' || connection.relaying || !txn)
    return next();
  const done = this.guard(next, connection, 'rcpt');
  const rcpt = params && params[0];
  if (!rcpt || !rcpt.address) return done();
  const headers = buildEnvelopeHeaders({ ...this.facts(connection), rcptTo: [rcpt.address] });
  this.client.post('/v1/recipient', headers, s.checkDeadlineMs).then(
    (res) => {
      const answer = this.recipient_answer(connection, 'rcpt', res);
      const out = answer ? decideHostedRecipient(answer, this.in_host_list(rcpt.host)) : { kind: 'fallback' };
      if (out.kind === 'fallback') return done();
      // Asked once per recipient: rcpt_ok does not ask again.
      (txn.notes.spamfilter_rcpt_answered = txn.notes.spamfilter_rcpt_answered || []).push(
        rcpt.address.toLowerCase(),
      );
      if (out.kind === 'accept') return done(constants.ok);
      txn.results.add(this, { fail: `rcpt:${out.kind}`, msg: answer.reason });
      return done(RETVAL[out.reply.retval], this.dsn(out.reply));
    },
    (err) => {
      connection.logwarn(this, `hosted-domain check skipped (host_list decides): ${err.message}`);
      done();
    },
  );
};

/** config/host_list (Haraka reloads it when it changes): the domains accepted whatever the database says. */
exports.in_host_list = function (domain) {
  if (!domain) return false;
  const d = String(domain).toLowerCase();
  return this.config.get('host_list', 'list').some((h) => String(h).trim().toLowerCase() === d);
};

exports.hook_rcpt_ok = function (next, connection, rcpt) {
  const done = this.guard(next, connection, 'rcpt_ok');
  if (!this.settings.checkRcpt || !connection.transaction) return done();
  const answered = connection.transaction.notes.spamfilter_rcpt_answered;
  if (answered && answered.includes(String(rcpt.address).toLowerCase())) return done();
  const headers = buildEnvelopeHeaders({ ...this.facts(connection), rcptTo: [rcpt.address] });
  this.client.post('/v1/recipient', headers, this.settings.checkDeadlineMs).then(
    (res) => {
      const answer = this.recipient_answer(connection, 'rcpt', res);
      if (!answer) return done();
      const out = decideRecipient(answer);
      if (out.kind === 'continue') return done();
      connection.transaction.results.add(this, { fail: `rcpt:${out.kind}`, msg: answer.reason });
      return done(RETVAL[out.reply.retval], this.dsn(out.reply));
    },
    (err) => {
      connection.logwarn(this, `recipient check skipped: ${err.message}`);
      done();
    },
  );
};

exports.recipient_answer = function (connection, what, res) {
  if (res.status !== 200) {
    connection.logwarn(this, `${what} check skipped: filter answered HTTP ${res.status}`);
    return null;
  }
  const parsed = parseRecipientAnswer(res.body);
  if (!parsed.ok) {
    connection.logwarn(this, `${what} check skipped: ${parsed.error}`);
    return null;
  }
  return parsed.answer;
};

exports.hook_data_post = function (next, connection) {
  const done = this.guard(next, connection, 'data_post');
  const txn = connection.transaction;
  if (!txn) return done();
  // Headers the sender may have forged (e.g. X-Spam-Status: No) never reach the mailbox.
  for (const name of this.settings.stripHeaders) txn.remove_header(name);
  stripForgedAuthResults(txn, this.settings.authservIds); // RFC 8601 §5: ours come only from the verdict

  const facts = {
    ...this.facts(connection),
    rcptTo: txn.rcpt_to.map((r) => r.address),
    size: txn.data_bytes,
  };
  if (facts.size > this.settings.maxBytes) {
    connection.loginfo(this, `refused: ${facts.size} bytes is over max_bytes ${this.settings.maxBytes}`);
    return this.apply(connection, done, decideTooBig(this.settings.maxBytes));
  }
  const skip = skipReason(facts, this.settings);
  if (skip) {
    connection.loginfo(this, `not scanned: ${skip}`);
    return this.apply(connection, done, decideUnscanned({ failOpen: this.settings.failOpen, skipped: true }));
  }

  const writeBody = (req) => {
    txn.message_stream.pipe(req, { line_endings: '\r\n' });
    return () => txn.message_stream.unpipe();
  };
  const started = Date.now();
  this.client.post('/v1/scan', buildEnvelopeHeaders(facts), this.settings.scanDeadlineMs, writeBody).then(
    (res) => this.scan_answer(connection, done, facts, res, Date.now() - started),
    (err) => this.unscanned(connection, done, `${err.kind}: ${err.message}`),
  );
};

/** The filter answered: a verdict (200), bad input (4xx), our credentials refused (401/403), or unavailable (5xx). */
exports.scan_answer = function (connection, done, facts, res, ms) {
  const txn = connection.transaction;
  if (res.status === 401 || res.status === 403) {
    connection.logerror(
      this,
      `the filter refused our token (HTTP ${res.status}); check FILTER_API_TOKEN on both sides`,
    );
    txn.results.add(this, { err: `scan: HTTP ${res.status}` });
    return this.apply(connection, done, decideUnauthorized());
  }
  if (res.status >= 400 && res.status < 500) {
    const reason = errorReason(res.body);
    connection.loginfo(this, `refused: the filter found the input bad (HTTP ${res.status}: ${reason})`);
    return this.apply(connection, done, decideBadInput(res.status, reason));
  }
  const parsed =
    res.status === 200
      ? parseScanVerdict(res.body)
      : { ok: false, error: `filter answered HTTP ${res.status}` };
  if (!parsed.ok) return this.unscanned(connection, done, parsed.error);
  const outcome = decideScan({ verdict: parsed.verdict, recipients: facts.rcptTo });
  if (outcome.kind === 'invalid') return this.unscanned(connection, done, outcome.error);
  txn.notes.spamfilter = { reference: parsed.verdict.reference, action: parsed.verdict.action, ms };
  connection.loginfo(
    this,
    `ref=${parsed.verdict.reference} action=${parsed.verdict.action} outcome=${outcome.kind}` +
      `${outcome.kind === 'deliver' ? ` copies=${outcome.copies.length} kept=${outcome.kept.length}` : ''} ms=${ms}`,
  );
  return this.apply(connection, done, outcome);
};

function errorReason(body) {
  try {
    const v = JSON.parse(body);
    return typeof v.reason === 'string' ? oneLine(v.reason, 200) : '';
  } catch {
    return '';
  }
}

// Inbound: the discard, then the split. A message whose every copy the filter kept is accepted and delivered to
// nobody; a message whose recipients got different verdicts is delivered here as one copy per verdict, each with its
// own headers, to the next hop of queue/smtp_forward (smtp_forward.ini); a message with one copy goes on to
// smtp_forward unchanged.
exports.hook_queue = function (next, connection) {
  const txn = connection.transaction;
  if (txn && txn.notes.spamfilter_discard) return next(constants.ok, txn.notes.spamfilter_discard);
  if (!txn || !txn.notes.spamfilter_copies) return next();
  const done = this.guard(next, connection, 'queue');
  try {
    if (deliveryQueue(this.config.get('plugins', 'list')) === 'lmtp') {
      this.queue_copies_lmtp(done, connection, txn.notes.spamfilter_copies);
    } else {
      this.deliver_copies(done, connection, txn.notes.spamfilter_copies);
    }
  } catch (err) {
    connection.logerror(this, `delivering the copies failed: ${err.stack || err}`);
    done(
      constants.denysoft,
      this.dsn({ code: 451, enhanced: '4.3.0', message: 'Temporary local problem, please try again later' }),
    );
  }
};

/** The main next hop: queue/smtp_forward's (smtp_forward.ini [main]), with its TLS and auth settings for smtp_client. */
exports.main_next_hop = function () {
  const main = (this.config.get('smtp_forward.ini', { booleans: ['-main.enable_tls'] }) || {}).main || {};
  return { pool: 'main', host: main.host || 'localhost', port: Number(main.port) || 25, cfg: main };
};

// Copies one after another over the next hop's SMTP (a transaction each, only that copy's recipients, the headers
// swapped between them). SMTP has one answer for the sender: if the first copy fails the sender gets the next hop's
// answer; if a later one fails after an earlier copy was delivered, the sender gets that failure too (4xx: it
// retries, and the earlier recipients may receive the message twice — a duplicate, never a loss, RFC 5321 §6.1).
exports.deliver_copies = function (done, connection, copies) {
  const plugin = this;
  const txn = connection.transaction;
  const hop = plugin.main_next_hop();
  const ours = new Set(copies.flatMap((c) => c.headers.map(([name]) => name)));
  const reference = (txn.notes.spamfilter && txn.notes.spamfilter.reference) || '';
  let delivered = 0;
  const step = (i) => {
    if (i === copies.length) {
      return done(constants.ok, `Message delivered as ${copies.length} copies (ref ${reference})`);
    }
    const copy = copies[i];
    for (const name of ours) txn.remove_header(name);
    for (const [name, value] of copy.headers) txn.add_header(name, value);
    const wanted = new Set(copy.recipients.map((r) => r.toLowerCase()));
    const rcpts = txn.rcpt_to.filter((r) => wanted.has(r.address.toLowerCase()));
    plugin.forward(connection, hop, rcpts, (retval, msg) => {
      if (retval === constants.ok) {
        delivered++;
        connection.loginfo(plugin, `copy ${i + 1}/${copies.length} (${rcpts.length} recipient(s)) delivered`);
        return step(i + 1);
      }
      if (delivered > 0) {
        connection.logerror(
          plugin,
          `copy ${i + 1}/${copies.length} failed after ${delivered} delivered: ${msg}`,
        );
      }
      return done(retval, msg);
    });
  };
  step(0);
};

// queue/lmtp delivers through Haraka's outbound queue (store and forward: LHLO, one answer per recipient, retries
// and bounces by outbound), which Haraka's smtp_client (SMTP only: EHLO/HELO, one answer after the dot) cannot
// replace. So with queue/lmtp each copy is queued the same way, as its own outbound message with only that copy's
// recipients and headers, marked using_lmtp so queue/lmtp's get_mx routes it to lmtp.ini's host. The sender gets
// 250 once every copy is in the queue (on disk); a copy that cannot be queued answers 451 (earlier copies stay
// queued: a retry may deliver them twice — a duplicate, never a loss, as for SMTP copies).
exports.queue_copies_lmtp = function (done, connection, copies) {
  const plugin = this;
  const txn = connection.transaction;
  const outbound = plugin.outbound_module();
  const ours = new Set(copies.flatMap((c) => c.headers.map(([name]) => name)));
  const reference = (txn.notes.spamfilter && txn.notes.spamfilter.reference) || '';
  const step = (i) => {
    if (i === copies.length) {
      return done(constants.ok, `Message queued as ${copies.length} copies (ref ${reference})`);
    }
    const copy = copies[i];
    for (const name of ours) txn.remove_header(name);
    for (const [name, value] of copy.headers) txn.add_header(name, value);
    const wanted = new Set(copy.recipients.map((r) => r.toLowerCase()));
    const rcpts = txn.rcpt_to.filter((r) => wanted.has(r.address.toLowerCase()));
    // The message as stored (dot-stuffed lines, what outbound's reader expects), with this copy's headers.
    const body = new PassThrough();
    txn.message_stream.pipe(body, { dot_stuffed: false });
    outbound.send_email(
      txn.mail_from,
      rcpts,
      body,
      (retval, msg) => {
        if (retval === constants.ok) {
          connection.loginfo(
            plugin,
            `copy ${i + 1}/${copies.length} (${rcpts.length} recipient(s)) queued for LMTP`,
          );
          return step(i + 1);
        }
        connection.logerror(plugin, `copy ${i + 1}/${copies.length} could not be queued: ${msg}`);
        const reply = {
          code: 451,
          enhanced: '4.3.0',
          message: 'Temporary local problem, please try again later',
        };
        return done(constants.denysoft, plugin.dsn(reply));
      },
      { origin: plugin, notes: { using_lmtp: true } },
    );
  };
  step(0);
};

/** Haraka's outbound (core module), as queue/lmtp reaches it. */
exports.outbound_module = function () {
  if (!this._outbound) this._outbound = this.haraka_require('outbound');
  return this._outbound;
};

// Outbound: held mail first (the filter stored it for review: accepted, sent to nobody), then the routing tag: a pool
// with a next hop in [pools] gets that next hop; untagged mail, and mail for a pool without a configured next hop
// (logged), the main next hop of smtp_forward.ini. This plugin forwards it either way (forward below), so that every
// recipient's reply is recorded; queue/smtp_forward never sees outbound mail.
exports.hook_queue_outbound = function (next, connection) {
  const txn = connection.transaction;
  if (txn && txn.notes.spamfilter_discard) return next(constants.ok, txn.notes.spamfilter_discard);
  if (!txn || this.settings.direction !== 'outbound') return next();
  let route = routeFor(txn.notes.spamfilter_pool, this.settings.pools);
  if (route.kind === 'unknown') {
    connection.logwarn(
      this,
      `pool "${route.pool}" has no next hop in spamfilter.ini [pools]; using the main next hop`,
    );
    txn.results.add(this, { msg: `pool ${route.pool} unconfigured: main next hop` });
  }
  if (route.kind !== 'pool') route = this.main_next_hop();
  const done = this.guard(next, connection, 'queue_outbound');
  try {
    this.forward_to_pool(done, connection, route);
  } catch (err) {
    connection.logerror(this, `forwarding to pool ${route.pool} failed: ${err.stack || err}`);
    done(
      constants.denysoft,
      this.dsn({ code: 451, enhanced: '4.3.0', message: 'Temporary local problem, please try again later' }),
    );
  }
};

/** Haraka's smtp_client (core module), found from this package or from the running Haraka. */
exports.smtp_client_module = function () {
  if (!this._smtp_client) {
    try {
      this._smtp_client = require('Haraka/smtp_client');
    } catch {
      this._smtp_client = require(require('node:path').resolve(path_of_haraka(), 'smtp_client'));
    }
  }
  return this._smtp_client;
};

function path_of_haraka() {
  // bin/haraka is require.main when Haraka runs; its parent folder holds the core modules.
  return require('node:path').resolve(require('node:path').dirname(require.main.filename), '..');
}

// Outbound mail is forwarded by this plugin, to the main next hop (smtp_forward.ini [main]: host, port and its TLS and
// auth settings, as queue/smtp_forward would use them) or to a pool's: so that each recipient's reply is known, with
// its code, text and time, for the sender's delivery status (lib/deliveries.js).
exports.forward_to_pool = function (done, connection, route) {
  this.forward(connection, route, connection.transaction.rcpt_to, done);
};

/**
 * One SMTP transaction to route's host with the given recipients; onResult(retval, msg) once. Every RCPT is asked
 * (each recipient's reply is recorded), and DATA is sent only when the next hop accepted them all: one answer goes
 * back to the sender, so a refused recipient refuses the message (5xx, or 4xx when only temporarily), as with
 * queue/smtp_forward. Unlike smtp_forward, a next hop that cannot be reached answers 451 instead of falling through to
 * Haraka's own outbound queue: mail never leaves through another path. The per-recipient results are left in
 * txn.notes.spamfilter_deliveries for the delivery report.
 */
exports.forward = function (connection, route, rcpts, onResult) {
  const plugin = this;
  const txn = connection.transaction;
  const cfg = { ...(route.cfg || {}), host: route.host, port: route.port };
  const now = () => new Date().toISOString();
  const replies = rcpts.map((r) => ({ recipient: r.address, code: null, text: '', at: now() }));
  connection.loginfo(plugin, `forwarding to pool ${route.pool} at ${route.host}:${route.port}`);
  txn.results.add(plugin, { pass: `pool:${route.pool}` });
  // One answer per message, whichever comes first: the next hop's reply, or the connection failing. (A socket that
  // closes after the answer is the normal end and says nothing.)
  let settled = false;
  const finish = (retval, msg, final) => {
    if (settled) return;
    settled = true;
    txn.notes.spamfilter_deliveries = [
      ...(txn.notes.spamfilter_deliveries || []),
      ...settleRecipients(replies, final),
    ];
    onResult(retval, msg);
  };
  const unavailable = (why) => {
    if (settled) return;
    connection.logerror(
      plugin,
      `pool ${route.pool} next hop ${route.host}:${route.port} unavailable: ${why}`,
    );
    finish(
      constants.denysoft,
      plugin.dsn({
        code: 451,
        enhanced: '4.4.1',
        message: `Next hop of pool ${route.pool} unavailable, try again later`,
      }),
      { code: null, text: `next hop unavailable: ${why}`, at: now() },
    );
  };
  plugin.smtp_client_module().get_client_plugin(plugin, connection, cfg, (err, client) => {
    if (err) return unavailable(err.message || String(err));
    // smtp_client reports a refused or dropped connection of a new client through no event (it is not yet active),
    // and its own connect timeout equals the plugin timeout: watch the socket, with a deadline below that timeout.
    const socketDeadlineMs = Math.max(1000, Math.min(10000, plugin.settings.scanDeadlineMs));
    client.socket.setTimeout(socketDeadlineMs);
    for (const event of ['error', 'close', 'end', 'timeout']) {
      client.socket.on(event, (e) => {
        if (settled) return;
        client.destroy();
        unavailable(e && e.message ? e.message : `connection ${event}`);
      });
    }
    // smtp_client answers call_next() without a code when the connection fails: that is a 451 here.
    client.next = (retval, msg) =>
      retval === undefined ? unavailable(msg || 'connection error') : finish(retval, msg, lastFinal);
    let lastFinal = null;
    let rcpt = 0;
    let refusedNow = false;
    const gone = () => client.is_dead_sender(plugin, connection);
    const reply = () => client.response.join(' ');
    const sendRcpt = () => {
      if (gone()) return;
      if (rcpt === rcpts.length) {
        const refused = replies.filter((r) => r.code !== null && r.code >= 400);
        if (refused.length === 0) return client.send_command('DATA');
        // Not sent: the sender gets the first permanent refusal (else the first temporary one), like smtp_forward.
        const first = refused.find((r) => r.code >= 500) || refused[0];
        client.call_next(
          first.code >= 500 ? constants.deny : constants.denysoft,
          `${first.code} ${first.text}`,
        );
        return client.release();
      }
      client.send_command('RCPT', `TO:${rcpts[rcpt].format(!client.smtputf8)}`);
      rcpt++;
    };
    client.on('mail', sendRcpt);
    client.on('rcpt', () => {
      // A refusal was handled by 'bad_code' (smtp_client may or may not emit 'rcpt' after it, by its state).
      if (refusedNow) {
        refusedNow = false;
        return;
      }
      Object.assign(replies[rcpt - 1], { code: 250, text: reply(), at: now() });
      sendRcpt();
    });
    client.on('data', () => {
      if (gone()) return;
      client.start_data(txn.message_stream);
    });
    client.on('dot', () => {
      if (gone()) return;
      lastFinal = { code: 250, text: reply(), at: now() };
      client.call_next(constants.ok, `${reply()} (pool ${route.pool})`);
      client.release();
    });
    client.on('bad_code', (code, msg) => {
      if (gone()) return;
      if (client.command === 'rcpt' && rcpt > 0) {
        Object.assign(replies[rcpt - 1], { code: Number(code), text: msg, at: now() });
        refusedNow = true;
        return sendRcpt();
      }
      lastFinal = { code: Number(code), text: msg, at: now() };
      client.call_next(code && code[0] === '5' ? constants.deny : constants.denysoft, msg);
      client.release();
    });
  });
};

// Outbound delivery outcomes. Every permanent refusal of a recipient at RCPT (by any plugin: the relay check, this
// plugin's recipient check) passes Haraka's deny hook; count it on the transaction.
exports.hook_deny = function (next, connection, params) {
  const [retval, , , , , hook] = params || [];
  const txn = connection && connection.transaction;
  if (
    txn &&
    (hook === 'rcpt' || hook === 'rcpt_ok') &&
    (retval === constants.deny || retval === constants.denydisconnect)
  ) {
    txn.notes.spamfilter_rcpt_refused = (txn.notes.spamfilter_rcpt_refused || 0) + 1;
  }
  next();
};

// One report per outbound transaction, when it ends (delivered, refused, or the client went away): each recipient's
// result at the next hop under the message's reference. Fire-and-forget: next() is called at once and the request
// has its own short deadline, so it never delays or fails mail.
exports.hook_reset_transaction = function (next, connection) {
  try {
    const txn = connection.transaction;
    if (txn && this.settings.direction === 'outbound' && this.settings.reportDeliveries) {
      const report = buildDeliveryReport({
        authUser: connection.notes.auth_user,
        mailFrom: txn.mail_from && !txn.mail_from.isNull() ? txn.mail_from.address : '',
        reference: txn.notes.spamfilter && txn.notes.spamfilter.reference,
        queueId: txn.uuid,
        rcptRefused: txn.notes.spamfilter_rcpt_refused || 0,
        recipients: txn.notes.spamfilter_deliveries || null,
      });
      if (report) this.report_deliveries(connection, report);
    }
  } catch (err) {
    connection.logerror(this, `delivery report skipped: ${err.stack || err}`);
  }
  next();
};

/** POST a small JSON body to the filter; resolves to { status, body }, rejects with a FilterError. */
exports.post_json = function (path, value, deadlineMs) {
  const json = Buffer.from(JSON.stringify(value));
  const writeBody = (req) => {
    req.end(json);
    return () => undefined;
  };
  const headers = { 'content-type': 'application/json', 'content-length': String(json.length) };
  return this.client.post(path, headers, deadlineMs, writeBody);
};

exports.report_deliveries = function (connection, report) {
  this.post_json('/v1/outbound/deliveries', report, this.settings.reportDeadlineMs).then(
    (res) => {
      if (res.status !== 204 && res.status !== 200) {
        connection.logwarn(this, `delivery report: filter answered HTTP ${res.status}`);
      }
    },
    (err) => connection.logwarn(this, `delivery report failed (${err.kind}): ${err.message}`),
  );
};

exports.unscanned = function (connection, done, why) {
  const outcome = decideUnscanned({ failOpen: this.settings.failOpen });
  this.count('spamfilter_haraka_filter_failures_total', {
    direction: this.settings.direction,
    result: outcome.kind,
  });
  connection.logerror(
    this,
    `scan failed (${why}); ${outcome.kind === 'deliver' ? 'accepting unscanned (fail_open=true)' : '451 (fail_open=false)'}`,
  );
  connection.transaction.results.add(this, { err: `scan: ${why}` });
  this.apply(connection, done, outcome);
};

exports.apply = function (connection, done, outcome) {
  const txn = connection.transaction;
  try {
    // The API's release ticket was for the filter; whatever the answer, it is not passed on.
    txn.remove_header(RELEASE_HEADER);
    switch (outcome.kind) {
      case 'deliver':
        this.apply_delivery(txn, outcome);
        txn.results.add(this, { pass: 'scan' });
        this.count_message(outcome.kind);
        return done();
      case 'unscanned':
        for (const [name, value] of outcome.headers) txn.add_header(name, value);
        txn.results.add(this, { msg: 'unscanned' });
        this.count_message(outcome.kind);
        return done();
      case 'tempfail':
      case 'refuse':
        txn.results.add(this, { fail: `scan:${outcome.kind}` });
        this.count_message(outcome.kind);
        return done(RETVAL[outcome.reply.retval], this.dsn(outcome.reply));
      default:
        throw new Error(`unknown outcome ${outcome.kind}`);
    }
  } catch (err) {
    // A bug must not turn into "accepted": answer 451 so the sender retries.
    connection.logerror(this, `applying the verdict failed: ${err.stack || err}`);
    this.count_message('tempfail');
    return done(
      constants.denysoft,
      this.dsn({ code: 451, enhanced: '4.3.0', message: 'Temporary local problem, please try again later' }),
    );
  }
};

/**
 * A deliver plan: recipients whose copy the filter kept (quarantined, held) leave the transaction; with no copy left
 * the message is accepted and discarded by the queue hooks (the filter stored it before answering); one copy gets its
 * headers here and goes on to the delivering queue plugin; several are delivered one by one by hook_queue.
 */
exports.apply_delivery = function (txn, outcome) {
  if (outcome.kept.length > 0) {
    const kept = new Set(outcome.kept.map((r) => r.toLowerCase()));
    txn.rcpt_to = txn.rcpt_to.filter((r) => !kept.has(r.address.toLowerCase()));
  }
  if (outcome.copies.length === 0) {
    txn.notes.spamfilter_discard = outcome.held
      ? `Message accepted and held for review (ref ${outcome.reference})`
      : `Message accepted (ref ${outcome.reference})`;
    return;
  }
  if (outcome.copies.length > 1) {
    txn.notes.spamfilter_copies = outcome.copies;
    return;
  }
  const [copy] = outcome.copies;
  for (const [name, value] of copy.headers) txn.add_header(name, value);
  if (this.settings.direction === 'outbound') {
    // Routing tag for hook_queue_outbound, from the verdict (the sender's own copy of the header is stripped).
    const pool = poolFromHeaders(copy.headers, this.settings.poolHeader);
    if (pool) txn.notes.spamfilter_pool = pool;
  }
};
