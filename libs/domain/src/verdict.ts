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
  readonly elapsedMs: number;
}
