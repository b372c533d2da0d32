import type { Action, Direction } from '@spamfilter/domain';

/** One scan's outcome (topic spamfilter.scans.v1): stats, reputation and outbound account scoring consume it. */
export interface ScanEvent {
  /** The scan's reference ID (also the event's identity: consumers de-duplicate on it). */
  readonly reference: string;
  readonly occurredAt: string;
  readonly direction: Direction;
  readonly clientIp: string;
  readonly mailFrom: string;
  /** SMTP AUTH user for outbound submission, null inbound. */
  readonly authUser: string | null;
  readonly recipients: readonly {
    readonly recipient: string;
    readonly userId: string | null;
    readonly action: Action;
    readonly score: number;
  }[];
  /** The most severe per-recipient action and the highest score, as in ScanVerdict. */
  readonly action: Action;
  readonly score: number;
}

/** Something operators must know about (topic spamfilter.operator.v1), e.g. an outbound account blocked. */
export interface OperatorNotice {
  readonly eventId: string;
  /** What happened, snake_case: 'outbound_account_blocked', 'delist_requested', … */
  readonly kind: string;
  /** Whom or what it is about (an account, a domain, an IP); also the partition key. */
  readonly subject: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly occurredAt: string;
}
