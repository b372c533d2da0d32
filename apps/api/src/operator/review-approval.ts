import type { Action, Direction } from '@spamfilter/domain';
import type { ListMatchType, ListRequirement } from '@spamfilter/persistence';
import { REFUSING } from '../public/refusal-explainer';

/**
 * The rules of approving a review of a refused message, pure: what the approval may allow, for whom and how long.
 * The service looks up what these need (the logged scan, the recipient's account, the hosted domains) and stores.
 */

/** A rule's answer the operator must act on: the HTTP status and what to change. */
export interface ApprovalProblem {
  readonly status: 400 | 409;
  readonly message: string;
}

/** What an approval reads from the refused message's log record. */
export interface ReviewedScan {
  readonly direction: Direction;
  readonly mailFrom: string;
  readonly authUser: string | null;
  readonly clientIp: string;
  readonly recipients: readonly { readonly recipient: string; readonly action: Action }[];
}

export type Picked<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: ApprovalProblem };

const ok = <T>(value: T): Picked<T> => ({ ok: true, value });
const problem = <T>(status: ApprovalProblem['status'], message: string): Picked<T> => ({
  ok: false,
  problem: { status, message },
});

/**
 * The sending account an outbound refusal belongs to: the SMTP AUTH user, else the envelope sender — the identity
 * the filter's outbound limits and standing use (apps/filter/src/outbound/outbound-identity.ts).
 */
export function outboundAccountOf(scan: Pick<ReviewedScan, 'authUser' | 'mailFrom'>): string | null {
  const account = (scan.authUser?.trim() || scan.mailFrom.trim()).toLowerCase();
  return account === '' ? null : account;
}

/**
 * The refused recipient the allow entry is for. One refused recipient: that one. Several: the operator names one
 * (an allow is for one mailbox or one domain, never for "whoever this sender wrote to").
 */
export function refusedRecipient(
  scan: Pick<ReviewedScan, 'recipients'>,
  chosen: string | undefined,
): Picked<string> {
  const refused = scan.recipients.filter((r) => REFUSING.has(r.action)).map((r) => r.recipient.toLowerCase());
  if (chosen !== undefined) {
    const c = chosen.toLowerCase();
    return refused.includes(c)
      ? ok(c)
      : problem(
          400,
          `${c} is not a refused recipient of this message (refused: ${refused.join(', ') || 'none'})`,
        );
  }
  if (refused.length === 1) return ok(refused[0] as string);
  if (refused.length === 0) return problem(409, 'no recipient of this message was refused');
  return problem(400, `several recipients were refused: name one as "recipient" (${refused.join(', ')})`);
}

/**
 * What the entry allows: the operator's choice, else the refused envelope sender, or for a bounce (null reverse-path,
 * RFC 5321 §4.5.5: no sender to name) the client IP.
 */
export function allowedSender(
  scan: Pick<ReviewedScan, 'mailFrom' | 'clientIp'>,
  chosen: { readonly matchType?: ListMatchType; readonly value?: string },
): { readonly matchType: ListMatchType; readonly value: string } {
  if (chosen.matchType && chosen.value)
    return { matchType: chosen.matchType, value: chosen.value.toLowerCase() };
  return scan.mailFrom
    ? { matchType: 'address', value: scan.mailFrom.toLowerCase() }
    : { matchType: 'ip', value: scan.clientIp };
}

/** The domain a sender entry vouches for (an address's domain, a domain entry's value); null for IPs and networks. */
export function senderDomainOf(matchType: ListMatchType, value: string): string | null {
  switch (matchType) {
    case 'address': {
      const at = value.lastIndexOf('@');
      return at < 0 ? null : value.slice(at + 1).toLowerCase();
    }
    case 'domain':
      return value.toLowerCase();
    case 'ip':
    case 'cidr':
      return null;
  }
}

/**
 * An allow for a sender in a domain we host must not apply to anyone who merely writes that address: outsiders put
 * our customers' addresses in MAIL FROM and From at will (the phishing of issue "a review request opens an inbound
 * hole"). Such an entry requires an aligned DMARC or SPF pass. IPs and networks cannot be claimed, only used.
 */
export function requirementFor(hostedCovering: readonly string[]): ListRequirement | null {
  return hostedCovering.length > 0 ? 'aligned_auth' : null;
}

/** The entry's expiry: DELIST_ALLOW_DAYS from now, or sooner when the operator asks; never later. */
export function allowExpiry(now: Date, defaultDays: number, requestedDays: number | undefined): Picked<Date> {
  const days = requestedDays ?? defaultDays;
  if (days > defaultDays)
    return problem(400, `expiresInDays may shorten the default of ${defaultDays} days, not extend it`);
  return ok(new Date(now.getTime() + days * 86_400_000));
}
