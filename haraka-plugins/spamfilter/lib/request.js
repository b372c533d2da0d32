'use strict';
// Builds the HTTP headers that carry the SMTP envelope to the filter. The names are the contract in
// libs/domain/src/envelope.ts (SCAN_HEADERS); test/contract.spec.js fails if the two drift apart.

const SCAN_HEADERS = Object.freeze({
  clientIp: 'x-client-ip',
  helo: 'x-helo',
  mailFrom: 'x-mail-from',
  rcptTo: 'x-rcpt-to',
  direction: 'x-direction',
  authUser: 'x-auth-user',
  queueId: 'x-queue-id',
  clientHostname: 'x-client-hostname',
});

/**
 * HTTP header values may not hold control characters (Node throws on them), and SMTP input is attacker-controlled:
 * drop CR, LF and other controls, percent-encode non-ASCII (SMTPUTF8 addresses) so nothing is lost silently.
 */
function headerValue(value) {
  let out = '';
  for (const ch of String(value)) {
    const c = ch.codePointAt(0);
    if (c < 0x20 || c === 0x7f) continue;
    out += c > 0x7e ? encodeURIComponent(ch) : ch;
  }
  return out.trim();
}

/** Lower-cases the domain only: local parts are case-sensitive (RFC 5321 §2.4), domains are not. */
function normalizeAddress(address) {
  const a = String(address || '');
  const at = a.lastIndexOf('@');
  return at < 0 ? a : a.slice(0, at) + '@' + a.slice(at + 1).toLowerCase();
}

/**
 * @param {{clientIp: string, helo?: string, mailFrom?: string, rcptTo?: string[], direction: string,
 *          authUser?: string, queueId?: string, clientHostname?: string}} facts
 * @returns {Record<string, string>} only the headers that have a value (x-rcpt-to always present, possibly empty)
 */
function buildEnvelopeHeaders(facts) {
  const headers = {
    [SCAN_HEADERS.clientIp]: headerValue(facts.clientIp || ''),
    [SCAN_HEADERS.direction]: facts.direction,
  };
  if (facts.helo) headers[SCAN_HEADERS.helo] = headerValue(facts.helo);
  // The null sender (bounces) is sent as an empty header: '' means <> in the contract.
  if (facts.mailFrom !== undefined)
    headers[SCAN_HEADERS.mailFrom] = headerValue(normalizeAddress(facts.mailFrom));
  if (facts.rcptTo && facts.rcptTo.length > 0) {
    headers[SCAN_HEADERS.rcptTo] = facts.rcptTo
      .map((r) => headerValue(normalizeAddress(r)).replace(/,/g, '%2C'))
      .join(',');
  }
  if (facts.authUser) headers[SCAN_HEADERS.authUser] = headerValue(facts.authUser);
  if (facts.queueId) headers[SCAN_HEADERS.queueId] = headerValue(facts.queueId);
  if (facts.clientHostname) headers[SCAN_HEADERS.clientHostname] = headerValue(facts.clientHostname);
  return headers;
}

// The API's release ticket (libs/domain RELEASE_HEADER): passed to the filter, removed from what is delivered.
const RELEASE_HEADER = 'X-Spamfilter-Release';

module.exports = { SCAN_HEADERS, RELEASE_HEADER, buildEnvelopeHeaders, headerValue, normalizeAddress };
