'use strict';
// Maps the filter's answer to what Haraka does: one SMTP reply for the transaction plus the headers to add.
// Pure: no Haraka, no I/O, so every rule below is a unit test.
//
// Multi-recipient mail (README "Several recipients, different verdicts"): after DATA, SMTP has one reply for all
// recipients, so inbound
//   - if at least one recipient's mail is deliverable (accept, tag, hold), the message is accepted for everyone:
//     recipients the filter wanted to reject are *tagged* instead (never lose mail, never refuse the others), and
//     recipients it wanted to greylist or defer are delivered untagged (greylisting is a delay, not a spam verdict);
//   - if none is deliverable and at least one is temporary (greylist, defer), the whole message gets the 4xx: the
//     sender retries and nothing is lost (a retry that passes greylisting then follows the first rule);
//   - only when every recipient's verdict is a refusal is the message refused (550 5.7.1 + reference).
// Each recipient's own result travels in its own header (X-Spam-Status-For: <rcpt>; ...), which the local delivery
// agent (Sieve, LMTP) matches against the envelope recipient. Recipients refused by their own lists are refused
// earlier, at RCPT, one by one (decideRecipient), which is the only truly per-recipient answer SMTP has.
// Outbound, the verdict is about the sending account, so the most severe recipient action applies to the message.

const { SEVERITY } = require('./verdict');

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

const mostSevere = (actions) => actions.reduce((w, a) => (SEVERITY[a] > SEVERITY[w] ? a : w), 'accept');
const fmt = (score) => (Number.isFinite(score) ? score.toFixed(2) : '0.00');

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

function perRecipientValue(row, reference) {
  const status = row.effective === 'tag' ? 'Yes' : 'No';
  const wanted = row.effective !== row.action ? `; wanted=${row.action}` : '';
  return `${row.recipient}; status=${status}; action=${row.effective}${wanted}; score=${fmt(row.score)}; ref=${reference}`;
}

const hasHeader = (headers, name) => headers.some(([k]) => k.toLowerCase() === name.toLowerCase());

/**
 * @param {{verdict: object, recipients: string[], direction: 'inbound'|'outbound', perRecipientHeader?: string}} input
 * @returns {{kind: 'deliver', headers: [string, string][], quarantine: boolean, rows: object[]}
 *         | {kind: 'refuse'|'tempfail', reply: {code: number, enhanced: string, message: string, retval: string}, rows: object[]}}
 */
function decideScan({ verdict, recipients, direction, perRecipientHeader = 'X-Spam-Status-For' }) {
  const byRecipient = new Map(verdict.recipients.map((r) => [r.recipient.toLowerCase(), r]));
  // A recipient the filter did not answer for gets the message's overall verdict (the most severe one).
  const rows = recipients.map((recipient) => {
    const r = byRecipient.get(recipient.toLowerCase());
    return r
      ? { recipient, action: r.action, score: r.score, smtp: r.smtp, headers: r.headers || [] }
      : { recipient, action: verdict.action, score: verdict.score, smtp: verdict.smtp, headers: [] };
  });

  if (direction === 'outbound') {
    const worst = mostSevere(rows.map((r) => r.action));
    const worstRow = rows.find((r) => r.action === worst);
    if (CLASS[worst] !== 'deliver') {
      return {
        kind: CLASS[worst] === 'temp' ? 'tempfail' : 'refuse',
        reply: replyFor(worst, worstRow.smtp, verdict.reference),
        rows,
      };
    }
    for (const r of rows) r.effective = worst;
  } else {
    const classes = new Set(rows.map((r) => CLASS[r.action]));
    if (!classes.has('deliver')) {
      const pool = classes.has('temp') ? rows.filter((r) => CLASS[r.action] === 'temp') : rows;
      const worst = mostSevere(pool.map((r) => r.action));
      const worstRow = pool.find((r) => r.action === worst);
      for (const r of rows) r.effective = worst;
      return {
        kind: CLASS[worst] === 'temp' ? 'tempfail' : 'refuse',
        reply: replyFor(worst, worstRow.smtp, verdict.reference),
        rows,
      };
    }
    for (const r of rows) {
      const c = CLASS[r.action];
      r.effective = c === 'deliver' ? r.action : c === 'perm' ? 'tag' : 'accept';
    }
  }

  const effective = rows.map((r) => r.effective);
  const uniform = rows.every((r) => r.effective === rows[0].effective && r.effective === r.action);
  const headers = [];
  if (uniform) {
    // One recipient: their own headers (X-Spam-Status by their thresholds, X-Spam-Flag) win over the message's.
    const own = rows.length === 1 ? rows[0].headers : [];
    headers.push(...verdict.headers.filter(([k]) => !hasHeader(own, k)), ...own);
    if (!hasHeader(headers, 'X-Spam-Status')) {
      headers.push([
        'X-Spam-Status',
        `${effective[0] === 'tag' ? 'Yes' : 'No'}, score=${fmt(verdict.score)}`,
      ]);
    }
  } else {
    // The filter's X-Spam-Status / X-Spam-Flag speak for the whole message; when recipients differ they would be
    // wrong for some, so they are rewritten from what each recipient actually gets.
    headers.push(
      ...verdict.headers.filter(([k]) => !['x-spam-status', 'x-spam-flag'].includes(k.toLowerCase())),
    );
    const all = effective.every((a) => a === 'tag')
      ? 'Yes'
      : effective.some((a) => a === 'tag')
        ? 'Mixed'
        : 'No';
    headers.push(['X-Spam-Status', `${all}, score=${fmt(verdict.score)}`]);
    if (all === 'Yes') headers.push(['X-Spam-Flag', 'YES']);
  }
  if (!hasHeader(headers, 'X-Spam-Reference')) headers.push(['X-Spam-Reference', verdict.reference]);
  if (rows.length > 1 || !uniform) {
    for (const r of rows) headers.push([perRecipientHeader, perRecipientValue(r, verdict.reference)]);
  }
  const quarantine = effective.includes('hold');
  if (quarantine) headers.push(['X-Spam-Hold', verdict.reference]);
  return { kind: 'deliver', headers, quarantine, reference: verdict.reference, rows };
}

/**
 * The message was not scanned (filter down, slow, garbage, or a skip rule).
 * @param {{failOpen: boolean, skipped?: boolean}} input  skipped: a skip rule matched (always delivered unscanned)
 */
function decideUnscanned({ failOpen, skipped = false }) {
  if (failOpen || skipped)
    return { kind: 'deliver', headers: [['X-Spam-Status', 'unscanned']], quarantine: false, rows: [] };
  return { kind: 'tempfail', reply: { ...UNSCANNED_TEMPFAIL, retval: 'DENYSOFT' }, rows: [] };
}

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
  decideScan,
  decideUnscanned,
  decideRecipient,
  decideConnect,
  replyFor,
  retvalFor,
};
