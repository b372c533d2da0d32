'use strict';
// What became of each outbound recipient at the next hop, and the report the plugin sends the filter
// (POST /v1/outbound/deliveries) once per transaction: the message's reference, each recipient's status with the
// next hop's code and text and the time of that reply, and how many recipients our own checks refused at RCPT. The
// filter stores the results against the reference (the sender's delivery status, support's transcript) and counts
// bounces and RCPT refusals toward the failed-recipient ratio (OUTBOUND_FAILED_RCPT_RATIO) from the same records.
// Pure: the plugin passes in the replies it saw.

const MAX_RECIPIENTS = 1000; // the filter's schema bound
const MAX_TEXT = 512;

/**
 * RFC 5321 §4.2.1: 2yz the next hop took it, 4yz try again later, 5yz never.
 * @param {number} code
 * @returns {'delivered'|'deferred'|'bounced'}
 */
function statusOf(code) {
  if (code >= 200 && code < 300) return 'delivered';
  if (code >= 400 && code < 500) return 'deferred';
  return 'bounced';
}

/** The enhanced status code (RFC 3463) a reply text starts with, or null. */
function enhancedOf(text) {
  const m = /^([245]\.\d{1,3}\.\d{1,3})\b/.exec(String(text || '').trim());
  return m ? m[1] : null;
}

const clip = (text) =>
  String(text || '')
    .replace(/[\r\n]+/g, ' ')
    .trim()
    .slice(0, MAX_TEXT);

/**
 * Each recipient's result after one forward to the next hop. Like queue/smtp_forward, the plugin sends a message only
 * when the next hop accepted every recipient (one SMTP answer goes back to the sender): a recipient refused at RCPT
 * is bounced (5yz) or deferred (4yz) with that reply, and the others were not sent (`not_sent`, with the reply to
 * their own RCPT); otherwise every recipient gets the answer after DATA; a next hop that could not be reached, or
 * dropped the connection, defers everyone (no code).
 * @param {{recipient: string, code: number|null, text: string, at: string}[]} rcpts  each recipient's RCPT reply
 *   (code null: never asked)
 * @param {{code: number|null, text: string, at: string}|null} final  the reply after DATA (null: DATA was not sent;
 *   code null: the connection failed)
 * @returns {{recipient: string, status: string, code: number|null, enhanced: string|null, text: string, at: string}[]}
 */
function settleRecipients(rcpts, final) {
  const refused = rcpts.filter((r) => r.code !== null && r.code >= 400);
  if (refused.length > 0) {
    const first = refused[0];
    return rcpts.map((r) =>
      r.code !== null && r.code >= 400
        ? {
            recipient: r.recipient,
            status: statusOf(r.code),
            code: r.code,
            enhanced: enhancedOf(r.text),
            text: clip(r.text),
            at: r.at,
          }
        : {
            recipient: r.recipient,
            status: 'not_sent',
            code: r.code,
            enhanced: enhancedOf(r.text),
            text: clip(
              `not sent: the next hop refused ${first.recipient} (${first.code}); ${r.text || 'not asked'}`,
            ),
            at: r.at,
          },
    );
  }
  if (final && final.code !== null) {
    return rcpts.map((r) => ({
      recipient: r.recipient,
      status: statusOf(final.code),
      code: final.code,
      enhanced: enhancedOf(final.text),
      text: clip(final.text),
      at: final.at,
    }));
  }
  const why = clip((final && final.text) || 'next hop unavailable');
  const at = (final && final.at) || new Date().toISOString();
  return rcpts.map((r) => ({
    recipient: r.recipient,
    status: 'deferred',
    code: null,
    enhanced: null,
    text: why,
    at,
  }));
}

/**
 * @param {{authUser?: string, mailFrom?: string, reference?: string, queueId?: string, rcptRefused: number,
 *          recipients: object[]|null}} facts
 *   rcptRefused: recipients our own checks refused permanently (5xx) at RCPT; recipients: settleRecipients' results
 *   (null: the message never reached a next hop — held, refused after DATA, the client went away)
 * @returns {object|null}  the JSON body, or null when there is nothing to report or no sending identity
 */
function buildDeliveryReport(facts) {
  const recipients = (facts.recipients || []).slice(0, MAX_RECIPIENTS);
  const rcptRefused = Math.min(MAX_RECIPIENTS, Math.max(0, facts.rcptRefused || 0));
  if (recipients.length === 0 && rcptRefused === 0) return null;
  const authUser = typeof facts.authUser === 'string' ? facts.authUser.trim() : '';
  const mailFrom = typeof facts.mailFrom === 'string' ? facts.mailFrom.trim() : '';
  if (!authUser && !mailFrom) return null;
  const report = {};
  if (authUser) report.authUser = authUser.slice(0, 320);
  if (mailFrom) report.mailFrom = mailFrom.slice(0, 320);
  if (facts.reference) report.reference = facts.reference;
  if (facts.queueId) report.queueId = String(facts.queueId).slice(0, 64);
  report.rcptRefused = rcptRefused;
  report.recipients = recipients;
  return report;
}

module.exports = { buildDeliveryReport, settleRecipients, statusOf, enhancedOf, MAX_RECIPIENTS };
