import type { ScanEnvelope } from '@spamfilter/domain';

/** Who is sending, for limits and standing: the SMTP AUTH user, else (unauthenticated relay) the envelope sender. */
export interface OutboundIdentity {
  /** Lower-cased account name (the AUTH user as the MTA gave it). */
  readonly account: string;
  /** Lower-cased sending domain: the AUTH user's domain, else the MAIL FROM domain; '' when neither has one. */
  readonly domain: string;
  readonly authenticated: boolean;
}

export function domainPart(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

export function outboundIdentity(
  envelope: Pick<ScanEnvelope, 'authUser' | 'mailFrom'>,
): OutboundIdentity | null {
  const auth = envelope.authUser?.trim().toLowerCase() ?? '';
  const from = envelope.mailFrom.trim().toLowerCase();
  if (auth) return { account: auth, domain: domainPart(auth) || domainPart(from), authenticated: true };
  if (from) return { account: from, domain: domainPart(from), authenticated: false };
  return null;
}
