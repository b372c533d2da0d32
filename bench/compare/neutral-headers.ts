import { createHash } from 'node:crypto';

/**
 * The header set our tokenizer reads with `headers: neutral` (libs/bayes tokenizer.ts): Subject, the From display
 * name and the content headers. Everything else a corpus's collection path leaves (Received, X-*, Return-Path,
 * Delivered-To, list headers, Message-ID, Date…) is dropped, so no system can learn which collection a message came
 * from instead of whether it is spam.
 */
const KEPT = ['subject', 'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition'];

/**
 * Constant stand-ins for the headers every mail carries but that would give the collection away. They are the same
 * on every message, so rule-based scores (SpamAssassin's MISSING_DATE / MISSING_MID, rspamd's MISSING_TO …) are not
 * shifted by headers the rewrite removed; none of them carries a per-message signal. The Date is fixed (not the
 * clock) so reruns give the same bytes.
 */
export const NEUTRAL_FROM_ADDRESS = 'sender@neutral.example';
export const NEUTRAL_TO = 'user@customer.example';
export const NEUTRAL_DATE = 'Thu, 01 Oct 2026 12:00:00 +0000';

interface Field {
  readonly name: string;
  /** The whole field as it was, folding included, without the final line break. */
  readonly raw: string;
}

/** Splits raw mail into header fields and the body (bytes after the blank line; empty when there is none). */
export function splitHeader(raw: Buffer): { fields: Field[]; body: Buffer; eol: string } {
  const probe = raw.subarray(0, Math.min(raw.length, 256 * 1024)).toString('latin1');
  const crlf = probe.indexOf('\r\n\r\n');
  const lf = probe.indexOf('\n\n');
  let headEnd: number;
  let bodyStart: number;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) {
    headEnd = crlf;
    bodyStart = crlf + 4;
  } else if (lf >= 0) {
    headEnd = lf;
    bodyStart = lf + 2;
  } else {
    headEnd = probe.length;
    bodyStart = raw.length;
  }
  const eol = probe.slice(0, headEnd + 1).includes('\r\n') ? '\r\n' : '\n';
  const lines = probe.slice(0, headEnd).split(/\r?\n/);
  const fields: Field[] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && fields.length > 0) {
      const last = fields.pop() as Field;
      fields.push({ name: last.name, raw: `${last.raw}${eol}${line}` });
      continue;
    }
    const colon = line.indexOf(':');
    // an mbox "From " line or junk before the first field is not a field
    if (colon <= 0 || /\s/.test(line.slice(0, colon))) continue;
    fields.push({ name: line.slice(0, colon).toLowerCase(), raw: line });
  }
  return { fields, body: raw.subarray(Math.min(bodyStart, raw.length)), eol };
}

/** The display name of a From field's value: `"Name" <a@b>`, `Name <a@b>` or `a@b (Name)`; '' when there is none. */
export function displayName(value: string): string {
  const v = value.replace(/\r?\n[ \t]+/g, ' ').trim();
  const angle = v.indexOf('<');
  if (angle > 0)
    return v
      .slice(0, angle)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim();
  const comment = /\(([^()]*)\)\s*$/.exec(v);
  if (comment) return (comment[1] as string).trim();
  return '';
}

/**
 * Rewrites a message to the neutral header set: From keeps its display name with a constant address, Subject and the
 * content headers are kept as they were (folding included), and constant To, Date and a Message-ID derived from the
 * message's bytes stand in for the rest. The body is byte for byte the original.
 */
export function neutralizeHeaders(raw: Buffer): Buffer {
  const { fields, body, eol } = splitHeader(raw);
  const out: string[] = [];
  const from = fields.find((f) => f.name === 'from');
  const name = from ? displayName(from.raw.slice(from.raw.indexOf(':') + 1)) : '';
  const quoted =
    name === ''
      ? ''
      : /^=\?.*\?=$/.test(name) || /^[\w .'-]*$/.test(name)
        ? `${name} `
        : `"${name.replace(/["\\]/g, '')}" `;
  out.push(`From: ${quoted}<${NEUTRAL_FROM_ADDRESS}>`);
  out.push(`To: <${NEUTRAL_TO}>`);
  out.push(`Date: ${NEUTRAL_DATE}`);
  out.push(`Message-ID: <${createHash('sha1').update(raw).digest('hex').slice(0, 20)}@neutral.example>`);
  for (const name of KEPT) {
    for (const f of fields) if (f.name === name) out.push(f.raw);
  }
  return Buffer.concat([Buffer.from(out.join(eol) + eol + eol, 'latin1'), body]);
}
