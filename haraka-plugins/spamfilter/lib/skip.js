'use strict';
// When a message is not scanned at all, as a table (haraka-plugin-rspamd's habit): the first rule that matches names
// the reason, which goes into the log and the X-Spam-Status: unscanned header. Only the operator's choices are here:
// nothing a sender controls (its size, its HELO, its recipients) may skip the scan — an oversized message is
// refused (552 5.3.4), not passed on unscanned.

const SKIP_RULES = Object.freeze([
  { reason: 'no recipients', test: (f) => !f.rcptTo || f.rcptTo.length === 0 },
  { reason: 'trusted client', test: (f, s) => s.skipIps.includes(f.clientIp) },
]);

/** @returns {string|null} the reason to skip, or null to scan */
function skipReason(facts, settings) {
  for (const rule of SKIP_RULES) if (rule.test(facts, settings)) return rule.reason;
  return null;
}

module.exports = { SKIP_RULES, skipReason };
