'use strict';
// SMTP AUTH abuse protection across connections, the plugin's part (pure). The filter counts and decides
// (POST /v1/auth/check, POST /v1/auth/result); these helpers find the AUTH user in the SMTP dialogue before the auth
// plugin checks the password, read the outcome the auth plugin recorded, and turn the filter's answer into a reply.
//
// Written against Haraka 3.3.4's plugins/auth/auth_base.js, which auth/flat_file and auth/auth_proxy inherit: it
// handles AUTH and every line of the exchange in its unrecognized_command hook, keeps the exchange's state in
// connection.notes (authenticating, auth_method, auth_login_userlogin, auth_ticket), and records each password check
// in connection.results under 'auth' (pass on success; fail, without the user, on failure).

const AUTH_USER_MAX = 1024;

function unbase64(s) {
  return Buffer.from(String(s || ''), 'base64').toString('utf8');
}

/**
 * Does this command line complete the credentials (the password check follows at once), and whose are they?
 * `params` are Haraka's unrecognized_command params ([verb, rest]); `notes` the connection's notes *before* the auth
 * plugin has seen the line.
 * @returns {{kind: 'credentials', user: string, method: string} | {kind: 'other'}}
 */
function authStep(params, notes) {
  const other = { kind: 'other' };
  if (!Array.isArray(params) || typeof params[0] !== 'string' || !notes) return other;
  const allowed = Array.isArray(notes.allowed_auth_methods) ? notes.allowed_auth_methods : null;
  if (!allowed) return other; // no auth plugin offered AUTH on this connection
  const credentials = (method, user) => ({
    kind: 'credentials',
    method,
    user: String(user || '').slice(0, AUTH_USER_MAX),
  });

  if (params[0].toUpperCase() === 'AUTH') {
    // A new exchange. auth_base refuses one inside another (bad protocol) and ignores methods it did not offer.
    if (notes.authenticating || !params[1]) return other;
    const [method, initial] = String(params[1]).trim().split(/\s+/);
    const m = method.toUpperCase();
    if (!allowed.includes(m)) return other;
    // Only PLAIN carries the password on the AUTH line (RFC 4954 §4 initial response); "=" is an empty one.
    if (m === 'PLAIN' && initial && initial !== '=') return credentials(m, unbase64(initial).split('\0')[1]);
    return other;
  }

  // A line inside an exchange (the client's answer to a 334).
  if (!notes.authenticating) return other;
  switch (notes.auth_method) {
    case 'PLAIN': // authzid \0 authcid \0 password (RFC 4616)
      return params[0] ? credentials('PLAIN', unbase64(params[0]).split('\0')[1]) : other;
    case 'LOGIN': // the user came on the line before; this one is the password
      return notes.auth_login_userlogin ? credentials('LOGIN', notes.auth_login_userlogin) : other;
    case 'CRAM-MD5': // "user digest" (RFC 2195)
      return notes.auth_ticket && params[0]
        ? credentials('CRAM-MD5', unbase64(params[0]).split(' ')[0])
        : other;
    default:
      return other;
  }
}

/** How many password checks the auth plugin has recorded so far: { fails, passes } from results.get('auth'). */
function authTally(result) {
  const len = (v) => (Array.isArray(v) ? v.length : v ? 1 : 0);
  return { fails: result ? len(result.fail) : 0, passes: result ? len(result.pass) : 0 };
}

/**
 * The outcome of the attempt handed to the auth plugin, from the tally taken before (`before`) and the results now:
 * 'failure', 'success', or null while the check has not ended (an asynchronous back end) or did not happen (504).
 */
function authOutcome(before, result) {
  if (!before) return null;
  const now = authTally(result);
  if (now.fails > before.fails) return 'failure';
  if (now.passes > before.passes) return 'success';
  return null;
}

/** The filter's answer to POST /v1/auth/check, validated. */
function parseAuthCheck(body) {
  let v;
  try {
    v = JSON.parse(body);
  } catch {
    return { ok: false, error: 'answer is not JSON' };
  }
  if (!v || typeof v !== 'object' || typeof v.allow !== 'boolean')
    return { ok: false, error: 'answer has no allow' };
  if (v.allow) return { ok: true, answer: { allow: true } };
  if (v.reason !== 'ip' && v.reason !== 'account') return { ok: false, error: 'answer has no valid reason' };
  const retry =
    Number.isFinite(v.retryAfterSeconds) && v.retryAfterSeconds > 0 ? Math.ceil(v.retryAfterSeconds) : 0;
  return { ok: true, answer: { allow: false, reason: v.reason, retryAfterSeconds: retry } };
}

function inWords(seconds) {
  if (seconds <= 0) return 'later';
  if (seconds < 120) return `in ${seconds} seconds`;
  return `in ${Math.ceil(seconds / 60)} minutes`;
}

/**
 * The reply to an AUTH the filter refused: 454 4.7.0 (RFC 4954 §6, temporary authentication failure; the session goes
 * on) or, with reply_code=421, 421 4.7.0 and the connection closed. The same words for both reasons: the client
 * needs to know when to come back, not which limit it reached.
 */
function lockedReply(answer, replyCode) {
  return {
    code: replyCode === 421 ? 421 : 454,
    disconnect: replyCode === 421,
    message: `4.7.0 Too many failed authentication attempts, try again ${inWords(answer.retryAfterSeconds)}`,
  };
}

module.exports = { authStep, authTally, authOutcome, parseAuthCheck, lockedReply, AUTH_USER_MAX };
