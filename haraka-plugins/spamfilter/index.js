'use strict';
// haraka-plugin-spamfilter: a thin SMTP-side client of the spam filter (apps/filter).
//   connect   POST /v1/recipient with the client IP only: a block-listed IP is refused with 554 and disconnected
//   mail      outbound submission without AUTH is refused (530 5.7.0)
//   rcpt_ok   POST /v1/recipient per recipient (after the relay check accepted it): the recipient's own block list
//             or greylisting refuses that recipient only
//   data_post POST /v1/scan with the envelope in headers and the raw message streamed as the body; the verdict is
//             applied by lib/outcome.js (accept, tag headers, 451, 421, 550 + reference)
// Decisions live in lib/*.js (pure, unit-tested); this file only gathers facts, calls the filter and maps results
// to Haraka's return codes. Every hook answers through a once() guard, and every failure is handled here: a plugin
// that throws is logged by Haraka and the mail is *accepted*, which must never be how a failure ends.

const DSN = require('haraka-dsn');
const constants = require('haraka-constants');

const { normalizeSettings } = require('./lib/settings');
const { buildEnvelopeHeaders } = require('./lib/request');
const { parseScanVerdict, parseRecipientAnswer } = require('./lib/verdict');
const { decideScan, decideUnscanned, decideRecipient, decideConnect } = require('./lib/outcome');
const { skipReason } = require('./lib/skip');
const { once } = require('./lib/once');
const { FilterClient } = require('./lib/client');

const RETVAL = {
  DENY: constants.deny,
  DENYSOFT: constants.denysoft,
  DENYDISCONNECT: constants.denydisconnect,
  DENYSOFTDISCONNECT: constants.denysoftdisconnect,
};

exports.register = function () {
  this.load_spamfilter_ini();
};

exports.load_spamfilter_ini = function () {
  const ini = this.config.get('spamfilter.ini', () => this.load_spamfilter_ini());
  const { settings, problems } = normalizeSettings(ini, this.timeout);
  for (const problem of problems) this.logerror(`spamfilter.ini: ${problem}`);
  const previous = this.client;
  this.settings = settings;
  this.client = new FilterClient(settings);
  // Requests still running on the old client finish within their deadline; close it after that.
  if (previous) setTimeout(() => previous.close(), settings.scanDeadlineMs + 1000).unref();
};

exports.shutdown = function () {
  if (this.client) this.client.close();
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

exports.hook_mail = function (next, connection) {
  if (this.settings.direction === 'outbound' && this.settings.requireAuth && !connection.relaying) {
    return next(
      constants.deny,
      this.dsn({ code: 530, enhanced: '5.7.0', message: 'Authentication required' }),
    );
  }
  next();
};

exports.hook_rcpt_ok = function (next, connection, rcpt) {
  const done = this.guard(next, connection, 'rcpt_ok');
  if (!this.settings.checkRcpt || !connection.transaction) return done();
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
  // Headers the sender may have forged (e.g. X-Spam-Status-For: victim No) never reach the mailbox.
  for (const name of this.settings.stripHeaders) txn.remove_header(name);

  const facts = {
    ...this.facts(connection),
    rcptTo: txn.rcpt_to.map((r) => r.address),
    size: txn.data_bytes,
  };
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
    (res) => {
      const parsed =
        res.status === 200
          ? parseScanVerdict(res.body)
          : { ok: false, error: `filter answered HTTP ${res.status}` };
      if (!parsed.ok) return this.unscanned(connection, done, parsed.error);
      const outcome = decideScan({
        verdict: parsed.verdict,
        recipients: facts.rcptTo,
        direction: this.settings.direction,
        perRecipientHeader: this.settings.perRecipientHeader,
      });
      txn.notes.spamfilter = {
        reference: parsed.verdict.reference,
        action: parsed.verdict.action,
        ms: Date.now() - started,
      };
      connection.loginfo(
        this,
        `ref=${parsed.verdict.reference} action=${parsed.verdict.action} outcome=${outcome.kind} ms=${Date.now() - started}`,
      );
      return this.apply(connection, done, outcome);
    },
    (err) => this.unscanned(connection, done, `${err.kind}: ${err.message}`),
  );
};

// Held mail must never reach the delivering queue plugin. queue/quarantine answers OK once the message is filed;
// when filing failed it passes the message on (next()), so this guard — listed after queue/quarantine and before
// the delivering plugin in config/plugins — turns that into 451: the client keeps the message and retries.
exports.hold_guard = function (next, connection) {
  const txn = connection.transaction;
  if (txn && txn.notes.quarantine === 'held' && !txn.notes.quarantined) {
    connection.logerror(this, 'held message was not filed by queue/quarantine; refusing to deliver it');
    return next(
      constants.denysoft,
      this.dsn({ code: 451, enhanced: '4.3.0', message: 'Temporary local problem, please try again later' }),
    );
  }
  next();
};
exports.hook_queue = exports.hold_guard;
exports.hook_queue_outbound = exports.hold_guard;

exports.unscanned = function (connection, done, why) {
  const outcome = decideUnscanned({ failOpen: this.settings.failOpen });
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
    switch (outcome.kind) {
      case 'deliver':
        for (const [name, value] of outcome.headers) txn.add_header(name, value);
        if (outcome.quarantine) {
          // Held mail (outbound `hold`) is filed by Haraka's queue/quarantine plugin, listed before the delivering
          // queue plugin: it stores the message under <quarantine_path>/held/<date>/ and answers with this action,
          // so the delivering plugin never sees it.
          txn.notes.quarantine = 'held';
          txn.notes.quarantine_action = [
            constants.ok,
            `Message accepted and held for review (ref ${outcome.reference})`,
          ];
        }
        txn.results.add(this, { pass: 'scan' });
        return done();
      case 'tempfail':
      case 'refuse':
        txn.results.add(this, { fail: `scan:${outcome.kind}` });
        return done(RETVAL[outcome.reply.retval], this.dsn(outcome.reply));
      default:
        throw new Error(`unknown outcome ${outcome.kind}`);
    }
  } catch (err) {
    // A bug must not turn into "accepted": answer 451 so the sender retries.
    connection.logerror(this, `applying the verdict failed: ${err.stack || err}`);
    return done(
      constants.denysoft,
      this.dsn({ code: 451, enhanced: '4.3.0', message: 'Temporary local problem, please try again later' }),
    );
  }
};
