'use strict';
// Delivery outcomes for the filter's failed-recipient ratio limit (OUTBOUND_FAILED_RCPT_RATIO). Per outbound
// transaction the plugin reports POST /v1/outbound/deliveries { authUser?, mailFrom?, delivered, failed }. Pure: the
// plugin passes in what it counted and what the queue answered.

const MAX_COUNT = 1000; // the filter's schema bound per field

/**
 * What the next hop did with the message, from the queue result.
 * queue/smtp_forward (and our pool forwarder) stop at the first refusal, so a permanent refusal is counted as one
 * failed recipient and nothing delivered; a temporary one (4xx, next hop down) counts nothing: the sender retries.
 * @param {'ok'|'deny'|'denysoft'|null} queue  null: the message never reached a delivering queue plugin
 * @param {number} recipients  recipients of the transaction (those accepted at RCPT)
 * @param {boolean} held  the message was filed in the quarantine instead of being sent
 * @returns {{delivered: number, failed: number}}
 */
function nextHopCounts(queue, recipients, held) {
  if (held || queue === null) return { delivered: 0, failed: 0 };
  if (queue === 'ok') return { delivered: recipients, failed: 0 };
  if (queue === 'deny') return { delivered: 0, failed: recipients > 0 ? 1 : 0 };
  return { delivered: 0, failed: 0 };
}

/**
 * @param {{authUser?: string, mailFrom?: string, rcptRefused: number, queue: 'ok'|'deny'|'denysoft'|null,
 *          recipients: number, held: boolean}} facts
 *   rcptRefused: recipients refused permanently (5xx) at RCPT by the relay / recipient checks
 * @returns {object|null}  the JSON body, or null when there is nothing to report (nothing delivered or failed, or no
 *   sending identity: the filter needs authUser or mailFrom)
 */
function buildDeliveryReport(facts) {
  const hop = nextHopCounts(facts.queue, facts.recipients, facts.held);
  const delivered = Math.min(MAX_COUNT, hop.delivered);
  const failed = Math.min(MAX_COUNT, hop.failed + Math.max(0, facts.rcptRefused || 0));
  if (delivered + failed === 0) return null;
  const authUser = typeof facts.authUser === 'string' ? facts.authUser.trim() : '';
  const mailFrom = typeof facts.mailFrom === 'string' ? facts.mailFrom.trim() : '';
  if (!authUser && !mailFrom) return null;
  const report = {};
  if (authUser) report.authUser = authUser.slice(0, 320);
  if (mailFrom) report.mailFrom = mailFrom.slice(0, 320);
  report.delivered = delivered;
  report.failed = failed;
  return report;
}

/** The queue result Haraka stored in txn.results under 'queue' (pass / fail / fail+soft) as ok | deny | denysoft. */
function queueOutcome(queueResults) {
  if (!queueResults) return null;
  const fails = Array.isArray(queueResults.fail) ? queueResults.fail : [];
  const passes = Array.isArray(queueResults.pass) ? queueResults.pass : [];
  if (fails.length > 0) return queueResults.soft ? 'denysoft' : 'deny';
  if (passes.length > 0) return 'ok';
  return null;
}

module.exports = { buildDeliveryReport, nextHopCounts, queueOutcome, MAX_COUNT };
