import { createHash } from 'node:crypto';

/**
 * The identity of a message for training records (scan_record.message_fingerprint, feedback marks, learner
 * trainings): ONE function for the filter's scan and for the API's raw marks, so a mark by reference and a later
 * raw mark of the same message (an IMAP client moving it to or out of Junk) find the same training.
 *
 * What delivery and an IMAP re-upload change is left out: every header but Message-ID (Received, X-Spam-*,
 * Delivered-To, Return-Path, a rewritten Subject are added or changed after the scan), and whitespace in the body
 * (CRLF on the wire, LF in a mailbox file; trailing blanks and blank lines). What stays is hashed: the Message-ID
 * (RFC 5322 §3.6.4; lower-cased, without angle brackets) and the body's other bytes as transferred (no decoding,
 * so it depends on no parser or parse limit). A message without a Message-ID uses its From and Date fields instead.
 * Two copies of one message to one user keep one identity, as marks should.
 */
export function messageFingerprint(raw: Buffer): string {
  const end = headerEnd(raw);
  const fields = headerFields(raw.toString('latin1', 0, end), ['message-id', 'from', 'date']);
  const squeeze = (v: string | undefined): string => (v ?? '').replace(/\s+/g, '').toLowerCase();
  const id = squeeze(fields.get('message-id')).replace(/^<|>$/g, '');
  const h = createHash('sha256');
  h.update(
    id ? `v2\0mid:${id}\0` : `v2\0from:${squeeze(fields.get('from'))}\0date:${squeeze(fields.get('date'))}\0`,
  );
  h.update(withoutWhitespace(raw, end));
  return h.digest('hex');
}

/** Where the body starts: after the first empty line (CRLF or LF), or the end when there is none. */
function headerEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
  return lf >= 0 ? lf + 2 : raw.length;
}

/** The first value of each named field (names lower-case), unfolded (RFC 5322 §2.2.3). */
function headerFields(head: string, names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const lines = head.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0 || line[0] === ' ' || line[0] === '\t') continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!names.includes(name) || out.has(name)) continue;
    let value = line.slice(colon + 1);
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1] as string)) value += lines[++i];
    out.set(name, value);
  }
  return out;
}

/** The bytes from `start` on, without SP, HTAB, CR and LF. */
function withoutWhitespace(raw: Buffer, start: number): Buffer {
  const out = Buffer.allocUnsafe(raw.length - start);
  let n = 0;
  for (let i = start; i < raw.length; i++) {
    const b = raw[i] as number;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) out[n++] = b;
  }
  return out.subarray(0, n);
}
