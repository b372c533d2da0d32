import { SCAN_HEADERS, type Direction, type ScanEnvelope } from '@spamfilter/domain';
import { isIP } from 'node:net';

export type EnvelopeResult = { ok: true; envelope: ScanEnvelope } | { ok: false; reason: string };

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?$/i;
/** RFC 5321 §4.1.2 Mailbox, pragmatically: a dot-atom or quoted local part, a domain or address literal. */
const ADDRESS = /^(?:[a-z0-9!#$%&'*+/=?^_`{|}~.-]+|"[^"\r\n]*")@(?:(?:[a-z0-9](?:[a-z0-9-]{0,62})?\.)*[a-z0-9](?:[a-z0-9-]{0,62})?|\[[0-9a-f:.]+\]|[^\s@<>()[\]\\,;:"]+)$/iu;
const MAX_ADDRESS = 320;

/** HELO and MAIL FROM as the client sent them: printable ASCII, bounded (RFC 5321 §4.5.3.1: 255 for a domain). */
const PRINTABLE = /^[\x20-\x7e]+$/;
const MAX_HELO = 255;

/**
 * Validates the envelope headers of POST /v1/scan and POST /v1/recipient. Every problem is a one-line reason for a
 * 400; CR, LF and other control characters anywhere are refused outright (header injection: these values end up in
 * our own X-Spam-* headers, SMTP replies and logs).
 *
 * HELO and MAIL FROM are what the MTA accepted from the client, not ours to refuse: a HELO that is no host name
 * ("JUMPIN' JUPITER") or a MAIL FROM without a local part ("@example.net") is scored (HELO_NOT_FQDN, SPF's
 * "postmaster" rule of RFC 7208 §4.3), never answered with a 400 — which the MTA would turn into unscanned
 * delivery. Only control characters, non-printable bytes and absurd lengths are refused for them. Recipients are
 * ours (policy and lists are looked up by them) and stay strictly checked.
 */
export function parseEnvelope(headers: Headers, opts: { maxRecipients: number; requireRecipients?: boolean }): EnvelopeResult {
  const get = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v.join(',') : v;
  };
  for (const name of Object.values(SCAN_HEADERS)) {
    const v = get(name);
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    if (v !== undefined && /[\x00-\x1f\x7f]/.test(v)) return { ok: false, reason: `${name} contains a control character (CR/LF injection is refused)` };
  }

  const clientIp = (get(SCAN_HEADERS.clientIp) ?? '').trim().replace(/^ipv6:/i, '');
  if (!clientIp) return { ok: false, reason: `${SCAN_HEADERS.clientIp} is required` };
  if (isIP(clientIp) === 0) return { ok: false, reason: `${SCAN_HEADERS.clientIp} is not an IP address: ${JSON.stringify(clientIp.slice(0, 64))}` };

  const helo = (get(SCAN_HEADERS.helo) ?? '').trim();
  if (!helo) return { ok: false, reason: `${SCAN_HEADERS.helo} is required` };
  if (helo.length > MAX_HELO || !PRINTABLE.test(helo)) {
    return { ok: false, reason: `${SCAN_HEADERS.helo} must be printable ASCII of at most ${MAX_HELO} characters: ${JSON.stringify(helo.slice(0, 64))}` };
  }

  const rawFrom = get(SCAN_HEADERS.mailFrom);
  if (rawFrom === undefined) return { ok: false, reason: `${SCAN_HEADERS.mailFrom} is required ('' or <> for the null sender)` };
  const mailFrom = stripBrackets(rawFrom.trim());
  if (mailFrom !== '' && (mailFrom.length > MAX_ADDRESS || !PRINTABLE.test(mailFrom))) {
    return { ok: false, reason: `${SCAN_HEADERS.mailFrom} must be printable ASCII of at most ${MAX_ADDRESS} characters: ${JSON.stringify(mailFrom.slice(0, 64))}` };
  }

  const rcptRaw = get(SCAN_HEADERS.rcptTo) ?? '';
  const rcptTo = rcptRaw
    .split(',')
    .map((s) => stripBrackets(s.trim()))
    .filter((s) => s.length > 0);
  if (rcptTo.length === 0 && opts.requireRecipients !== false) return { ok: false, reason: `${SCAN_HEADERS.rcptTo} needs at least one recipient` };
  if (rcptTo.length > opts.maxRecipients) return { ok: false, reason: `${SCAN_HEADERS.rcptTo} has ${rcptTo.length} recipients, at most ${opts.maxRecipients} are allowed` };
  for (const r of rcptTo) if (!isAddress(r)) return { ok: false, reason: `${SCAN_HEADERS.rcptTo} has an invalid address: ${JSON.stringify(r.slice(0, 64))}` };

  const dirRaw = (get(SCAN_HEADERS.direction) ?? 'inbound').trim().toLowerCase();
  if (dirRaw !== 'inbound' && dirRaw !== 'outbound') return { ok: false, reason: `${SCAN_HEADERS.direction} must be inbound or outbound` };
  const direction: Direction = dirRaw;

  const authUser = get(SCAN_HEADERS.authUser)?.trim() || undefined;
  if (authUser && authUser.length > MAX_ADDRESS) return { ok: false, reason: `${SCAN_HEADERS.authUser} is too long` };
  const queueId = get(SCAN_HEADERS.queueId)?.trim() || undefined;
  if (queueId && !/^[\w.:-]{1,64}$/.test(queueId)) return { ok: false, reason: `${SCAN_HEADERS.queueId} must be 1–64 letters, digits, . : _ -` };
  const clientHostname = get(SCAN_HEADERS.clientHostname)?.trim() || undefined;
  if (clientHostname && !HOSTNAME.test(clientHostname)) return { ok: false, reason: `${SCAN_HEADERS.clientHostname} is not a host name` };

  return {
    ok: true,
    envelope: {
      clientIp,
      helo,
      mailFrom: lowerDomain(mailFrom),
      rcptTo: [...new Set(rcptTo.map(lowerDomain))],
      direction,
      ...(authUser ? { authUser } : {}),
      ...(queueId ? { queueId } : {}),
      ...(clientHostname ? { clientHostname: clientHostname.toLowerCase() } : {}),
    },
  };
}

function stripBrackets(s: string): string {
  return s.startsWith('<') && s.endsWith('>') ? s.slice(1, -1).trim() : s;
}

function isAddress(s: string): boolean {
  return s.length <= MAX_ADDRESS && ADDRESS.test(s);
}

function lowerDomain(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(0, at) + address.slice(at).toLowerCase();
}
