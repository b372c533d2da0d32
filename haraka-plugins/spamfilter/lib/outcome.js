'use strict';
// Maps the filter's answer to what Haraka does: one SMTP reply for the transaction, and the copies to deliver.
// Pure: no Haraka, no I/O, so every rule below is a unit test.
//
// The filter decides (apps/filter delivery-plan.ts, so its records say what really happened to each recipient): its
// answer carries `delivery` = { outcome: deliver | refuse | tempfail, copies: [{ recipients, headers, hold }] }.
//   - refuse / tempfail: the filter's reply (550 ... / 451 ... / 421 ...) for the whole message, nothing delivered;
//   - deliver: 250, and each copy goes to its own recipients with its own headers. Recipients in no copy are kept
//     by the filter (disposition quarantined: their policy refused or quarantines it; held: outbound mail held for
//     review) and are dropped from the transaction; when every recipient is kept there is no copy, and the message
//     is accepted and discarded here — the filter has stored it before answering.
// No header of any copy names an envelope recipient, so a Bcc recipient is never disclosed to the others. An answer
// that does not account for every recipient of the transaction is not understood: it never decides (see index.js).

const CLASS = Object.freeze({
  accept: 'deliver',
  tag: 'deliver',
  hold: 'deliver',
  greylist: 'temp',
  defer: 'temp',
  reject: 'perm',
  block: 'perm',
});

// The reply each refusing action must have; the filter's own reply is kept when it has the right class.
const CANONICAL = Object.freeze({
  greylist: { code: 451, enhanced: '4.7.1', message: 'Greylisted, please try again later' },
  defer: { code: 421, enhanced: '4.7.0', message: 'Too many messages, please slow down and try again later' },
  reject: { code: 550, enhanced: '5.7.1', message: 'Message refused as spam' },
  block: { code: 550, enhanced: '5.7.1', message: 'Sending account blocked' },
});

const UNSCANNED_TEMPFAIL = Object.freeze({
  code: 451,
  enhanced: '4.3.0',
  message: 'Message could not be scanned, please try again later',
});

/** Haraka return value for a refusing reply: 421 closes the connection (RFC 5321 §3.8). */
function retvalFor(code) {
  if (code === 421) return 'DENYSOFTDISCONNECT';
  if (code >= 400 && code < 500) return 'DENYSOFT';
  return 'DENY';
}

/** The SMTP reply for a refusing action, with the reference ID in the text so the sender can quote it. */
function replyFor(action, smtp, reference) {
  const canonical = CANONICAL[action];
  const wantClass = String(canonical.code)[0];
  const fits = smtp && String(smtp.code)[0] === wantClass && smtp.enhanced[0] === wantClass;
  // defer must stay 421 (disconnect, retry later) whatever 4xx the filter chose, so rate limits bite.
  const code = action === 'defer' ? 421 : fits ? smtp.code : canonical.code;
  const enhanced = fits ? smtp.enhanced : canonical.enhanced;
  let message = fits && smtp.message ? smtp.message : canonical.message;
  if (reference && !message.includes(reference)) message = `${message} (ref ${reference})`;
  return { code, enhanced, message, retval: retvalFor(code) };
}

const lower = (a) => String(a).toLowerCase();

/** The reply of a refused or deferred message: the filter's own when its class fits, else the canonical one. */
function replyForOutcome(kind, smtp, reference) {
  const want = kind === 'tempfail' ? '4' : '5';
  const fits = smtp && String(smtp.code)[0] === want && smtp.enhanced[0] === want;
  const canonical = kind === 'tempfail' ? UNSCANNED_TEMPFAIL : CANONICAL.reject;
  const code = fits ? smtp.code : canonical.code;
  let message = fits && smtp.message ? smtp.message : canonical.message;
  if (reference && !message.includes(reference)) message = `${message} (ref ${reference})`;
  return { code, enhanced: fits ? smtp.enhanced : canonical.enhanced, message, retval: retvalFor(code) };
}

const KEPT = new Set(['quarantined', 'held']);

/**
 * @param {{verdict: object, recipients: string[]}} input  recipients: the transaction's (as accepted at RCPT)
 * @returns {{kind: 'deliver', copies: object[], kept: string[], held: boolean, reference: string}
 *         | {kind: 'refuse'|'tempfail', reply: object}
 *         | {kind: 'invalid', error: string}}
 *   kept: recipients whose copy the filter stored instead (quarantined or held); held: outbound mail held for review
 */
function decideScan({ verdict, recipients }) {
  const plan = verdict.delivery;
  if (plan.outcome !== 'deliver') {
    return { kind: plan.outcome, reply: replyForOutcome(plan.outcome, verdict.smtp, verdict.reference) };
  }
  const keptBy = new Map(
    verdict.recipients.filter((r) => KEPT.has(r.disposition)).map((r) => [lower(r.recipient), r.disposition]),
  );
  const covered = new Set(plan.copies.flatMap((c) => c.recipients.map(lower)));
  const missing = recipients.filter((r) => !covered.has(lower(r)) && !keptBy.has(lower(r)));
  if (missing.length > 0)
    return { kind: 'invalid', error: `answer has no copy for ${missing.length} recipient(s)` };
  const kept = recipients.filter((r) => keptBy.has(lower(r)));
  if (plan.copies.length === 0 && kept.length === 0) {
    return { kind: 'invalid', error: 'answer says deliver but has no copy' };
  }
  return {
    kind: 'deliver',
    copies: plan.copies,
    kept,
    held: [...keptBy.values()].includes('held'),
    reference: verdict.reference,
  };
}

/**
 * The message was not scanned (filter down, slow, garbage, or a skip rule).
 * @param {{failOpen: boolean, skipped?: boolean}} input  skipped: a skip rule matched (always delivered unscanned)
 */
function decideUnscanned({ failOpen, skipped = false }) {
  if (failOpen || skipped) return { kind: 'unscanned', headers: [['X-Spam-Status', 'unscanned']] };
  return { kind: 'tempfail', reply: { ...UNSCANNED_TEMPFAIL, retval: 'DENYSOFT' } };
}

/**
 * The filter answered that the input is bad (4xx other than 401/403): a verdict about the sender, never a reason to
 * deliver unscanned. 413 is the message's size (552 5.3.4, RFC 3463); anything else is a malformed message or
 * envelope (550 5.6.0).
 * @param {number} status  the filter's HTTP status
 * @param {string} reason  the filter's one-line reason
 */
function decideBadInput(status, reason) {
  const tooBig = status === 413;
  const text = tooBig
    ? 'Message too big to be scanned'
    : `Message refused: ${reason || 'malformed message or envelope'}`;
  return {
    kind: 'refuse',
    reply: { code: tooBig ? 552 : 550, enhanced: tooBig ? '5.3.4' : '5.6.0', message: text, retval: 'DENY' },
  };
}

/** The message is larger than max_bytes: refused (552 5.3.4), never passed on unscanned. */
function decideTooBig(maxBytes) {
  return decideBadInput(413, `larger than ${maxBytes} bytes`);
}

/** The filter refused our credentials (401/403): our configuration is wrong, the sender retries later. */
function decideUnauthorized() {
  return { kind: 'tempfail', reply: { ...UNSCANNED_TEMPFAIL, retval: 'DENYSOFT' } };
}

/** RFC 5321 §4.5.3.1.10: past the recipient limit, 452 so the client sends the rest in another transaction. */
const TOO_MANY_RECIPIENTS = Object.freeze({
  code: 452,
  enhanced: '4.5.3',
  message: 'Too many recipients',
  retval: 'DENYSOFT',
});

/**
 * Pre-DATA answer for one recipient (POST /v1/recipient): refuse that recipient only, or let it through to DATA.
 * @returns {{kind: 'continue'} | {kind: 'refuse'|'tempfail', reply: object}}
 */
function decideRecipient(answer) {
  const c = CLASS[answer.action];
  if (c === 'deliver') return { kind: 'continue' };
  return {
    kind: c === 'temp' ? 'tempfail' : 'refuse',
    reply: replyFor(answer.action, answer.smtp, referenceIn(answer)),
  };
}

const RELAYING_DENIED = Object.freeze({ code: 550, enhanced: '5.7.1', message: 'Relaying denied' });

/**
 * The rcpt hook's answer, when the filter says which domains are hosted ([checks] hosted_domains):
 *   - hosted unknown (no database behind the filter, or it is down): 'fallback', Haraka's rcpt_to.in_host_list and
 *     config/host_list decide as before (never an open relay: an unlisted domain is refused there);
 *   - not hosted: refused as relaying (550 5.7.1, the filter's text when it has the right class), unless the domain
 *     is in config/host_list (inHostList): then in_host_list accepts it as before;
 *   - hosted: the filter's hosting refusal (550 5.1.1 for an unknown mailbox where the domain validates
 *     recipients), else its recipient answer (the recipient's block list, greylisting), and otherwise the recipient
 *     is accepted ('accept': the hook answers OK, so host_list is not consulted).
 */
function decideHostedRecipient(answer, inHostList = false) {
  if (answer.hosted !== true && answer.hosted !== false) return { kind: 'fallback' };
  // A domain in config/host_list stays accepted (the quick start's domains, before any is in the database).
  if (answer.hosted === false && inHostList) return { kind: 'fallback' };
  const smtp = answer.hosting && answer.hosting.smtp;
  const fits = smtp && smtp.code >= 500 && smtp.code < 600 && smtp.enhanced[0] === '5';
  if (answer.hosted === false || fits) {
    const reply = fits ? smtp : RELAYING_DENIED;
    return {
      kind: 'refuse',
      reply: { code: reply.code, enhanced: reply.enhanced, message: reply.message, retval: 'DENY' },
    };
  }
  const d = decideRecipient(answer);
  return d.kind === 'continue' ? { kind: 'accept' } : d;
}

/** At connect only a refusal is acted on: 554 and disconnect (RFC 5321 §3.1); anything else waits for RCPT. */
function decideConnect(answer) {
  if (CLASS[answer.action] !== 'perm') return { kind: 'continue' };
  const reply = replyFor(answer.action, answer.smtp, referenceIn(answer));
  return { kind: 'refuse', reply: { ...reply, code: 554, retval: 'DENYDISCONNECT' } };
}

// The recipient answer has no reference field of its own; its smtp text carries one when the filter gave one.
const referenceIn = () => '';

module.exports = {
  CLASS,
  CANONICAL,
  TOO_MANY_RECIPIENTS,
  decideScan,
  decideUnscanned,
  decideBadInput,
  decideTooBig,
  decideUnauthorized,
  decideRecipient,
  decideHostedRecipient,
  decideConnect,
  replyFor,
  retvalFor,
};
