import { createHash } from 'node:crypto';

/**
 * What a released (re-injected) message and its ticket are compared by. The API takes a copy out of the quarantine,
 * submits it through Haraka with a one-time ticket in a header; the filter redeems the ticket only for the same
 * body. Haraka adds a Received header and strips our X-Spam-* headers on the way, so the header block differs; the
 * body does not, apart from line ends (CRLF on the wire, LF in files) and the final line break an SMTP client adds.
 */

/** Where the header block ends: [end of header, start of body] (CRLF CRLF, or LF LF in files). */
function headerEnd(raw: Buffer): [number, number] {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return [crlf, crlf + 4];
  if (lf >= 0) return [lf, lf + 2];
  return [raw.length, raw.length];
}

/** SHA-256 (hex) of the body: bytes after the header block, line ends as CRLF, trailing line breaks dropped. */
export function bodyDigest(raw: Buffer): string {
  const body = raw
    .subarray(headerEnd(raw)[1])
    .toString('latin1')
    .replace(/\r?\n/g, '\r\n')
    .replace(/(\r\n)+$/, '');
  return createHash('sha256').update(body, 'latin1').digest('hex');
}

/** The value of the first `name:` header field (unfolded, trimmed), looking at the header block only; null if none. */
export function headerValue(raw: Buffer, name: string): string | null {
  const head = raw.subarray(0, headerEnd(raw)[0]).toString('latin1');
  const lines = head.split(/\r?\n/);
  const prefix = `${name.toLowerCase()}:`;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.toLowerCase().startsWith(prefix)) continue;
    let value = line.slice(prefix.length);
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1] as string))
      value += ` ${(lines[++i] as string).trim()}`;
    return value.trim();
  }
  return null;
}

/** The message without the header fields whose names `drop` says (folded continuation lines go with them). */
export function withoutHeaders(raw: Buffer, drop: (name: string) => boolean): Buffer {
  const [end] = headerEnd(raw);
  const eol = raw.subarray(0, end + 2).includes('\r\n') ? '\r\n' : '\n';
  const kept: string[] = [];
  let dropping = false;
  for (const line of raw.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      if (!dropping) kept.push(line);
      continue;
    }
    const colon = line.indexOf(':');
    dropping = colon > 0 && drop(line.slice(0, colon).trim().toLowerCase());
    if (!dropping) kept.push(line);
  }
  return Buffer.concat([Buffer.from(kept.join(eol), 'latin1'), raw.subarray(end)]);
}
