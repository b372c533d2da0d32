'use strict';
// When a message is not scanned at all, as a table (haraka-plugin-rspamd's habit): the first rule that matches names
// the reason, which goes into the log and the X-Spam-Status: unscanned header.

const SKIP_RULES = Object.freeze([
  { reason: 'no recipients', test: (f) => !f.rcptTo || f.rcptTo.length === 0 },
  { reason: 'too big', test: (f, s) => typeof f.size === 'number' && f.size > s.maxBytes },
  { reason: 'trusted client', test: (f, s) => s.skipIps.includes(f.clientIp) },
]);

/** @returns {string|null} the reason to skip, or null to scan */
function skipReason(facts, settings) {
  for (const rule of SKIP_RULES) if (rule.test(facts, settings)) return rule.reason;
  return null;
}

module.exports = { SKIP_RULES, skipReason };
