import { isReferenceId } from '@spamfilter/domain';

/**
 * Parser of ARF feedback reports (RFC 5965): a multipart/report; report-type=feedback-report whose first part is
 * for humans, the second a message/feedback-report (RFC 5965 §3.1: header-like fields), the third the original
 * message (message/rfc822) or its header (text/rfc822-headers). Feedback loops redact freely, so every field but
 * Feedback-Type is optional and a broken report is a result, never an exception.
 */
export interface FeedbackReport {
  /** RFC 5965 §7.3 registry: abuse, fraud, virus, other, not-spam (RFC 6650), auth-failure (RFC 6591). */
  readonly feedbackType: string;
  readonly userAgent: string | null;
  readonly version: string | null;
  readonly originalMailFrom: string | null;
  readonly originalRcptTo: readonly string[];
  readonly arrivalDate: string | null;
  readonly sourceIp: string | null;
  readonly reportingMta: string | null;
  readonly reportedDomains: readonly string[];
  /** RFC 5965 §3.2 Incidents: how many identical complaints this report stands for (default 1). */
  readonly incidents: number;
  /** The product's reference stamped on the original (X-Spam-Reference), the key to the sending account. */
  readonly reference: string | null;
  readonly originalMessageId: string | null;
  readonly originalFrom: string | null;
  readonly originalSubject: string | null;
  /** Deviations found (missing part, not multipart/report...). */
  readonly defects: readonly string[];
}

export type ArfParseResult =
  { readonly ok: true; readonly report: FeedbackReport } | { readonly ok: false; readonly problem: string };

export const REFERENCE_HEADER = 'x-spam-reference';
const MAX_REPORT_BYTES = 2 * 1024 * 1024;
const MAX_PARTS = 20;

interface Header {
  readonly name: string;
  readonly value: string;
}

interface Entity {
  readonly headers: readonly Header[];
  readonly body: string;
}

/** Splits header block from body (first empty line) and unfolds header lines (RFC 5322 §2.2.3). */
function splitEntity(text: string): Entity {
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : '';
  return { headers: parseHeaderBlock(head), body };
}

function parseHeaderBlock(block: string): Header[] {
  const out: Header[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && out.length > 0) {
      const last = out[out.length - 1];
      out[out.length - 1] = { name: last.name, value: `${last.value} ${line.trim()}` };
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  return out;
}

function first(headers: readonly Header[], name: string): string | null {
  return headers.find((h) => h.name === name)?.value ?? null;
}

function all(headers: readonly Header[], name: string): string[] {
  return headers.filter((h) => h.name === name).map((h) => h.value);
}

/** Content-Type's media type (lower-cased) and parameters. */
function contentType(headers: readonly Header[]): { type: string; params: Record<string, string> } {
  const raw = first(headers, 'content-type') ?? 'text/plain';
  const [type, ...rest] = raw.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    params[p.slice(0, eq).trim().toLowerCase()] = p
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return { type: type.trim().toLowerCase(), params };
}

function decodeBody(e: Entity): string {
  const cte = (first(e.headers, 'content-transfer-encoding') ?? '').toLowerCase();
  if (cte === 'base64')
    return Buffer.from(e.body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
  if (cte === 'quoted-printable') {
    return e.body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  return e.body;
}

function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  const lines = body.split(/\r?\n/);
  let current: string[] | null = null;
  for (const line of lines) {
    if (line.startsWith(delimiter)) {
      if (current) parts.push(current.join('\n'));
      if (line.startsWith(`${delimiter}--`) || parts.length >= MAX_PARTS) return parts;
      current = [];
      continue;
    }
    current?.push(line);
  }
  if (current) parts.push(current.join('\n'));
  return parts;
}

function angleless(value: string | null): string | null {
  if (value === null) return null;
  const v = value.trim().replace(/^<(.*)>$/, '$1');
  return v.length > 0 ? v.toLowerCase() : null;
}

/** Finds the reference in the original's header, or (redacted reports) anywhere the header line survived. */
function findReference(original: Entity | null, wholeReport: string): string | null {
  const fromHeader = original ? first(original.headers, REFERENCE_HEADER) : null;
  if (fromHeader && isReferenceId(fromHeader.trim())) return fromHeader.trim();
  const m = /^X-Spam-Reference:[ \t]*([0-9A-HJKMNP-TV-Z]{26})\b/im.exec(wholeReport);
  return m ? m[1].toUpperCase() : null;
}

export function parseArf(raw: Buffer | string): ArfParseResult {
  const text = (typeof raw === 'string' ? raw : raw.toString('latin1')).slice(0, MAX_REPORT_BYTES);
  const top = splitEntity(text);
  const ct = contentType(top.headers);
  const defects: string[] = [];
  let feedback: Entity | null = null;
  let original: Entity | null = null;

  if (ct.type === 'multipart/report' && ct.params['boundary']) {
    if ((ct.params['report-type'] ?? '').toLowerCase() !== 'feedback-report')
      defects.push('report-type is not feedback-report');
    for (const partText of splitMultipart(top.body, ct.params['boundary'])) {
      const part = splitEntity(partText.replace(/^\r?\n/, ''));
      const type = contentType(part.headers).type;
      if (type === 'message/feedback-report' && !feedback)
        feedback = { headers: parseHeaderBlock(decodeBody(part).trim()), body: '' };
      else if ((type === 'message/rfc822' || type === 'text/rfc822-headers') && !original)
        original = splitEntity(decodeBody(part));
    }
  } else {
    defects.push(`not a multipart/report (Content-Type ${ct.type})`);
  }

  if (!feedback) {
    const reference = findReference(original, text);
    if (!reference)
      return {
        ok: false,
        problem: 'no message/feedback-report part and no X-Spam-Reference found: not an ARF report',
      };
    defects.push('no message/feedback-report part');
  }
  const f = feedback?.headers ?? [];
  const feedbackType = (first(f, 'feedback-type') ?? 'abuse').toLowerCase();
  if (feedback && !first(f, 'feedback-type'))
    defects.push('Feedback-Type missing (RFC 5965 §3.1 requires it), taken as abuse');
  if (!original) defects.push('no original message or header part');
  const incidentsRaw = Number(first(f, 'incidents') ?? '1');

  return {
    ok: true,
    report: {
      feedbackType,
      userAgent: first(f, 'user-agent'),
      version: first(f, 'version'),
      originalMailFrom: angleless(first(f, 'original-mail-from')),
      originalRcptTo: all(f, 'original-rcpt-to')
        .map(angleless)
        .filter((v): v is string => v !== null),
      arrivalDate: first(f, 'arrival-date') ?? first(f, 'received-date'),
      sourceIp: first(f, 'source-ip'),
      reportingMta: first(f, 'reporting-mta'),
      reportedDomains: all(f, 'reported-domain').map((d) => d.toLowerCase()),
      incidents: Number.isInteger(incidentsRaw) && incidentsRaw >= 1 ? Math.min(incidentsRaw, 1000) : 1,
      reference: findReference(original, text),
      originalMessageId: original ? first(original.headers, 'message-id') : null,
      originalFrom: original ? first(original.headers, 'from') : null,
      originalSubject: original ? first(original.headers, 'subject') : null,
      defects,
    },
  };
}

/** Feedback types that count against the sender's standing (a "not-spam" report does not, RFC 6650 §3). */
export function isComplaint(feedbackType: string): boolean {
  return (
    feedbackType === 'abuse' ||
    feedbackType === 'fraud' ||
    feedbackType === 'virus' ||
    feedbackType === 'other'
  );
}
