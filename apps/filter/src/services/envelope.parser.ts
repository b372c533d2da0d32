import { SCAN_HEADERS, type Direction, type ScanEnvelope } from '@spamfilter/domain';
import { isIP } from 'node:net';

export type EnvelopeResult = { ok: true; envelope: ScanEnvelope } | { ok: false; reason: string };

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?$/i;
/** RFC 5321 §4.1.2 Mailbox, pragmatically: a dot-atom or quoted local part, a domain or address literal. */
const ADDRESS =
  /^(?:[a-z0-9!#$%&'*+/=?^_`{|}~.-]+|"[^"\r\n]*")@(?:(?:[a-z0-9](?:[a-z0-9-]{0,62})?\.)*[a-z0-9](?:[a-z0-9-]{0,62})?|\[[0-9a-f:.]+\]|[^\s@<>()[\]\\,;:"]+)$/iu;
const MAX_ADDRESS = 320;

/**
 * Validates the envelope headers of POST /v1/scan and POST /v1/recipient. What a sender chose — an odd HELO, an odd
 * MAIL FROM — is kept as given and scored by the envelope check (HELO_INVALID, MAIL_FROM_INVALID): a 400 here would
 * be a way to skip scanning. A 400 is left for what Haraka never passes on (no client IP, an unknown direction,
 * recipients past the limit, a recipient longer than an address can be) and for control characters (CR/LF
 * injection: these values end up in our own X-Spam-* headers, SMTP replies and logs); the plugin refuses the message
 * on a 400, it never delivers it unscanned.
 */
export function parseEnvelope(
  headers: Headers,
  opts: { maxRecipients: number; requireRecipients?: boolean; requireMailFrom?: boolean },
): EnvelopeResult {
  const get = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v.join(',') : v;
  };
  for (const name of Object.values(SCAN_HEADERS)) {
    const v = get(name);
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    if (v !== undefined && /[\x00-\x1f\x7f]/.test(v))
      return { ok: false, reason: `${name} contains a control character (CR/LF injection is refused)` };
  }

  const clientIp = (get(SCAN_HEADERS.clientIp) ?? '').trim().replace(/^ipv6:/i, '');
  if (!clientIp) return { ok: false, reason: `${SCAN_HEADERS.clientIp} is required` };
  if (isIP(clientIp) === 0)
    return {
      ok: false,
      reason: `${SCAN_HEADERS.clientIp} is not an IP address: ${JSON.stringify(clientIp.slice(0, 64))}`,
    };

  // The plugin percent-encodes non-ASCII (SMTPUTF8, ü.example.com); the checks see what the sender sent.
  const helo = percentDecoded((get(SCAN_HEADERS.helo) ?? '').trim()).slice(0, MAX_SMTP_VALUE);

  const rawFrom = get(SCAN_HEADERS.mailFrom);
  if (rawFrom === undefined && opts.requireMailFrom !== false)
    return { ok: false, reason: `${SCAN_HEADERS.mailFrom} is required ('' or <> for the null sender)` };
  const mailFrom = percentDecoded(stripBrackets((rawFrom ?? '').trim())).slice(0, MAX_SMTP_VALUE);

  const rcptRaw = get(SCAN_HEADERS.rcptTo) ?? '';
  const rcptTo = rcptRaw
    .split(',')
    .map((s) => stripBrackets(s.trim()))
    .filter((s) => s.length > 0);
  if (rcptTo.length === 0 && opts.requireRecipients !== false)
    return { ok: false, reason: `${SCAN_HEADERS.rcptTo} needs at least one recipient` };
  if (rcptTo.length > opts.maxRecipients)
    return {
      ok: false,
      reason: `${SCAN_HEADERS.rcptTo} has ${rcptTo.length} recipients, at most ${opts.maxRecipients} are allowed`,
    };
  // Haraka accepted these recipients (for a hosted domain): only what cannot be an address is refused.
  for (const r of rcptTo)
    if (r.length > MAX_ADDRESS || !r.includes('@'))
      return {
        ok: false,
        reason: `${SCAN_HEADERS.rcptTo} has an invalid address: ${JSON.stringify(r.slice(0, 64))}`,
      };

  const dirRaw = (get(SCAN_HEADERS.direction) ?? 'inbound').trim().toLowerCase();
  if (dirRaw !== 'inbound' && dirRaw !== 'outbound')
    return { ok: false, reason: `${SCAN_HEADERS.direction} must be inbound or outbound` };
  const direction: Direction = dirRaw;

  const authUser = get(SCAN_HEADERS.authUser)?.trim() || undefined;
  if (authUser && authUser.length > MAX_ADDRESS)
    return { ok: false, reason: `${SCAN_HEADERS.authUser} is too long` };
  const queueId = get(SCAN_HEADERS.queueId)?.trim() || undefined;
  if (queueId && !/^[\w.:-]{1,64}$/.test(queueId))
    return { ok: false, reason: `${SCAN_HEADERS.queueId} must be 1–64 letters, digits, . : _ -` };
  const clientHostname = get(SCAN_HEADERS.clientHostname)?.trim() || undefined;
  if (clientHostname && !HOSTNAME.test(clientHostname))
    return { ok: false, reason: `${SCAN_HEADERS.clientHostname} is not a host name` };

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

/** An SMTP command line is at most 512 octets (RFC 5321 §4.5.3.1.4); nothing longer is kept. */
const MAX_SMTP_VALUE = 512;

/** RFC 5321 §4.1.1.1: a HELO is a domain or an address literal. */
export function isValidHelo(helo: string): boolean {
  return (
    helo.length > 0 &&
    helo.length <= 255 &&
    (HOSTNAME.test(helo) || /^\[(?:ipv6:)?[0-9a-f:.]+\]$/i.test(helo) || isIP(helo) !== 0)
  );
}

/** RFC 5321 §4.1.2 Mailbox (pragmatically), or '' for the null sender. */
export function isValidMailFrom(mailFrom: string): boolean {
  return mailFrom === '' || isAddress(mailFrom);
}

function percentDecoded(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
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
