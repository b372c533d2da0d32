'use strict';
// Validates what the filter answered. Anything that is not a well-formed verdict is "garbage" and follows the
// fail_open switch exactly like a timeout: a half-understood answer must never decide the fate of a message.

const ACTIONS = Object.freeze(['accept', 'tag', 'greylist', 'defer', 'hold', 'reject', 'block']);
const SEVERITY = Object.freeze({ accept: 0, tag: 1, greylist: 2, defer: 3, hold: 4, reject: 5, block: 6 });
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,75}$/;
const OUTCOMES = Object.freeze(['deliver', 'refuse', 'tempfail']);
const DISPOSITIONS = Object.freeze([
  'delivered',
  'tagged',
  'quarantined',
  'held',
  'released',
  'refused',
  'deferred',
]);

const isAction = (a) => typeof a === 'string' && ACTIONS.includes(a);
const isObject = (o) => typeof o === 'object' && o !== null && !Array.isArray(o);

function parseSmtp(raw) {
  if (!isObject(raw)) return null;
  const { code, enhanced, message } = raw;
  if (!Number.isInteger(code) || code < 200 || code > 599) return null;
  if (typeof enhanced !== 'string' || !/^[245]\.\d{1,3}\.\d{1,3}$/.test(enhanced)) return null;
  if (typeof message !== 'string') return null;
  return { code, enhanced, message: oneLine(message) };
}

/** SMTP reply text and header values: one line, printable, bounded. */
function oneLine(text, max = 400) {
  return String(text)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\x00-\x1f\x7f]/g, '')
    .trim()
    .slice(0, max);
}

function parseJson(body) {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false, error: 'answer is not JSON' };
  }
}

/** [name, value] pairs; names are tokens (no header injection), values one line. */
function parseHeaders(raw) {
  if (!Array.isArray(raw)) return { ok: false, error: 'answer has malformed headers' };
  const headers = [];
  for (const h of raw) {
    if (!Array.isArray(h) || h.length !== 2 || typeof h[0] !== 'string' || typeof h[1] !== 'string') {
      return { ok: false, error: 'answer has a malformed header' };
    }
    if (!HEADER_NAME.test(h[0]))
      return { ok: false, error: `answer has an invalid header name ${JSON.stringify(h[0])}` };
    headers.push([h[0], oneLine(h[1], 900)]);
  }
  return { ok: true, headers };
}

/**
 * @param {string} body  the HTTP body of POST /v1/scan
 * @returns {{ok: true, verdict: object} | {ok: false, error: string}}
 */
function parseScanVerdict(body) {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (!isObject(v)) return { ok: false, error: 'answer is not an object' };
  if (!isAction(v.action)) return { ok: false, error: 'answer has no valid action' };
  if (typeof v.reference !== 'string' || v.reference.length === 0 || v.reference.length > 64) {
    return { ok: false, error: 'answer has no reference' };
  }
  if (!Array.isArray(v.recipients) || v.recipients.length === 0)
    return { ok: false, error: 'answer has no recipients' };
  const recipients = [];
  for (const r of v.recipients) {
    if (!isObject(r) || typeof r.recipient !== 'string' || !isAction(r.action)) {
      return { ok: false, error: 'answer has a malformed recipient verdict' };
    }
    const smtp = parseSmtp(r.smtp);
    if (!smtp) return { ok: false, error: 'answer has a recipient without a valid smtp reply' };
    // Optional: headers for this recipient's copy only (used when the message has this one recipient).
    const own = r.headers === undefined ? { ok: true, headers: [] } : parseHeaders(r.headers);
    if (!own.ok) return own;
    recipients.push({
      recipient: r.recipient,
      action: r.action,
      score: typeof r.score === 'number' && Number.isFinite(r.score) ? r.score : 0,
      reason: typeof r.reason === 'string' ? oneLine(r.reason, 200) : '',
      smtp,
      headers: own.headers,
      disposition: DISPOSITIONS.includes(r.disposition) ? r.disposition : null,
    });
  }
  const delivery = parseDelivery(v.delivery);
  if (!delivery.ok) return delivery;
  const smtp = parseSmtp(v.smtp);
  if (!smtp) return { ok: false, error: 'answer has no valid smtp reply' };
  const parsedHeaders = parseHeaders(v.headers === undefined ? [] : v.headers);
  if (!parsedHeaders.ok) return parsedHeaders;
  const headers = parsedHeaders.headers;
  return {
    ok: true,
    verdict: {
      reference: oneLine(v.reference, 64),
      action: v.action,
      score: typeof v.score === 'number' && Number.isFinite(v.score) ? v.score : 0,
      recipients,
      headers,
      reason: typeof v.reason === 'string' ? oneLine(v.reason, 200) : '',
      smtp,
      delivery: delivery.delivery,
    },
  };
}

/** { outcome, copies: [{ recipients: string[], headers: [name, value][] }] } */
function parseDelivery(raw) {
  if (!isObject(raw) || !OUTCOMES.includes(raw.outcome))
    return { ok: false, error: 'answer has no valid delivery plan' };
  if (!Array.isArray(raw.copies)) return { ok: false, error: 'answer has a delivery plan without copies' };
  const copies = [];
  for (const c of raw.copies) {
    if (!isObject(c) || !Array.isArray(c.recipients) || c.recipients.length === 0) {
      return { ok: false, error: 'answer has a malformed copy' };
    }
    if (!c.recipients.every((r) => typeof r === 'string' && r.length > 0)) {
      return { ok: false, error: 'answer has a copy with a malformed recipient' };
    }
    const headers = parseHeaders(c.headers);
    if (!headers.ok) return headers;
    copies.push({ recipients: c.recipients, headers: headers.headers });
  }
  if (raw.outcome !== 'deliver' && copies.length > 0) {
    return { ok: false, error: `answer says ${raw.outcome} but has copies to deliver` };
  }
  return { ok: true, delivery: { outcome: raw.outcome, copies } };
}

/**
 * @param {string} body  the HTTP body of POST /v1/recipient: { action, smtp, reason }
 * @returns {{ok: true, answer: {action: string, smtp: object, reason: string}} | {ok: false, error: string}}
 */
function parseRecipientAnswer(body) {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  if (!isObject(v) || !isAction(v.action)) return { ok: false, error: 'answer has no valid action' };
  const smtp = parseSmtp(v.smtp);
  if (!smtp) return { ok: false, error: 'answer has no valid smtp reply' };
  return {
    ok: true,
    answer: {
      action: v.action,
      smtp,
      reason: typeof v.reason === 'string' ? oneLine(v.reason, 200) : '',
      // Inbound: is the domain hosted (the filter's database)? null: the filter cannot tell (host_list decides).
      hosted: typeof v.hosted === 'boolean' ? v.hosted : null,
      mailbox: v.mailbox === 'known' || v.mailbox === 'unknown' ? v.mailbox : null,
      // The refusal for a domain not hosted or an unknown mailbox (apart from `action`, the lists' answer).
      hosting: isObject(v.hosting) && parseSmtp(v.hosting.smtp) ? { smtp: parseSmtp(v.hosting.smtp) } : null,
    },
  };
}

module.exports = { ACTIONS, SEVERITY, isAction, parseScanVerdict, parseRecipientAnswer, oneLine };
