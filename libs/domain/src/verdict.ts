import type { Action } from './action';
import type { ScoredSymbol } from './symbol';

/** The SMTP answer that goes with an action, with the reference ID in the text when mail is refused. */
export interface SmtpReply {
  readonly code: number;
  readonly enhanced: string;
  readonly message: string;
}

export interface RecipientVerdict {
  readonly recipient: string;
  readonly action: Action;
  readonly score: number;
  /** Thresholds that applied to this recipient (their own layered policy). */
  readonly thresholds: { readonly tag: number; readonly greylist: number | null; readonly reject: number };
  /** Symbols that apply to this recipient only (their lists, their Bayes layer). */
  readonly symbols: readonly ScoredSymbol[];
  readonly reason: string;
  readonly smtp: SmtpReply;
  /** Headers for this recipient's copy only (X-Spam-Status / X-Spam-Flag by their own thresholds); optional. */
  readonly headers?: readonly (readonly [string, string])[];
  /** What is done with this recipient's copy (the delivery plan's outcome for them). */
  readonly disposition: Disposition;
}

/**
 * What really happens to one recipient's copy, as the records show it:
 * - delivered    delivered untagged
 * - tagged       delivered with the spam headers (the mailbox files it in Junk)
 * - quarantined  kept in the quarantine store instead of delivered (this recipient's policy refused a message that
 *                others accept: SMTP has one answer after DATA, so the message is accepted and this copy held back)
 * - held         outbound: accepted and held for operator review
 * - released     a quarantined or held copy that was later released (delivered through Haraka)
 * - refused      the whole message was refused (5xx), or this recipient at RCPT
 * - deferred     the whole message was refused temporarily (4xx: greylisting, rate limit); the sender retries
 */
export const DISPOSITIONS = [
  'delivered',
  'tagged',
  'quarantined',
  'held',
  'released',
  'refused',
  'deferred',
] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/** One copy of the message to deliver: the recipients that share it and every header added to it. */
export interface DeliveryCopy {
  readonly recipients: readonly string[];
  /** No header of a copy names an envelope recipient: each copy speaks for its own recipients only. */
  readonly headers: readonly (readonly [string, string])[];
}

/**
 * What the SMTP side does after DATA. `deliver`: answer 250 once every copy is delivered; recipients whose copy the
 * filter kept (disposition quarantined or held: the filter has stored it before answering) are in no copy, and when
 * every copy is kept there is no copy at all — the message is accepted and nothing is sent. `refuse` / `tempfail`:
 * answer ScanVerdict.smtp for the whole message and deliver nothing.
 */
export interface DeliveryPlan {
  readonly outcome: 'deliver' | 'refuse' | 'tempfail';
  readonly copies: readonly DeliveryCopy[];
}

export interface ScanVerdict {
  /** Unguessable reference ID; shown in SMTP replies and X-Spam-Reference, looked up in the message log. */
  readonly reference: string;
  /** The most severe per-recipient action. */
  readonly action: Action;
  /** The highest per-recipient score. */
  readonly score: number;
  readonly recipients: readonly RecipientVerdict[];
  /** Symbols that apply to every recipient. */
  readonly symbols: readonly ScoredSymbol[];
  /** Headers to add to the message (for all recipients); per-recipient tagging is in `recipients`. */
  readonly headers: readonly (readonly [string, string])[];
  /** One line a person can read. */
  readonly reason: string;
  readonly smtp: SmtpReply;
  /** Which copies go to whom, with which headers (see DeliveryPlan). */
  readonly delivery: DeliveryPlan;
  readonly elapsedMs: number;
}
