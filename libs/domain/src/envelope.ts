import type { Direction } from './action';

/** The SMTP transaction around a message, as Haraka saw it. */
export interface ScanEnvelope {
  readonly clientIp: string;
  readonly helo: string;
  /** MAIL FROM address without angle brackets; '' for the null sender (bounces). */
  readonly mailFrom: string;
  /** RCPT TO addresses, lower-cased domain, at least one. */
  readonly rcptTo: readonly string[];
  readonly direction: Direction;
  /** The SMTP AUTH user (outbound submission only). */
  readonly authUser?: string;
  readonly queueId?: string;
  /** Reverse DNS name Haraka resolved for the client, if any. */
  readonly clientHostname?: string;
}

/**
 * HTTP headers carrying the envelope on POST /v1/scan (the raw message is the body). Shared by the Haraka plugin
 * and the filter's controller so the two sides cannot drift. Repeated recipients are sent as one comma-separated
 * header value.
 */
export const SCAN_HEADERS = {
  clientIp: 'x-client-ip',
  helo: 'x-helo',
  mailFrom: 'x-mail-from',
  rcptTo: 'x-rcpt-to',
  direction: 'x-direction',
  authUser: 'x-auth-user',
  queueId: 'x-queue-id',
  clientHostname: 'x-client-hostname',
} as const;

/**
 * The message header by which the API vouches for a message it re-injects through Haraka (a quarantine release, a
 * digest): its value is a one-time ticket the filter redeems against the release_ticket table, bound to the message
 * body, the envelope sender and the recipients. A ticket that does not redeem is ignored (the message is scanned like
 * any other); the plugin removes the header from what it delivers.
 */
export const RELEASE_HEADER = 'X-Spamfilter-Release';
