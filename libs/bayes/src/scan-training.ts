import type { ParsedMessage } from '@spamfilter/mail';
import { tokenize, type TokenizerOptions } from './tokenizer';

/**
 * What the learner needs to train on a message later without the message (scan_record.training, and raw marks'
 * FeedbackEvent): the Bayes token ids, the sender and whether it is list mail. The filter writes it with
 * `scanTraining()` at scan time; the learner reads it back with `readScanTraining()`. One definition, so the two
 * sides cannot drift.
 */
export interface ScanTraining {
  /** Token ids of tokenize(message) (what the filter classified with). */
  readonly tokens: readonly number[];
  /** From: address (lower-case), or null. */
  readonly sender: string | null;
  /** The message carried List-Unsubscribe (RFC 2369): list mail. */
  readonly listUnsubscribe: boolean;
  /**
   * What the filter knew at scan time, for the learner's rules (absent in records written before, and in raw marks
   * without a scan): the GLOBAL model's combined logit for this message (no user layer — a user's own marks must not
   * vouch for that user's later marks), whether a DKIM signature aligned with the From domain verified (RFC 7489
   * §3.1.1, relaxed), and the sender's standing in the filter's own reputation history.
   */
  readonly globalLogit?: number;
  readonly dkimAligned?: boolean;
  readonly reputation?: SenderStanding;
}

export type SenderStanding = 'good' | 'bad' | 'unknown';

export function scanTraining(message: ParsedMessage, options?: TokenizerOptions): ScanTraining {
  return {
    tokens: Array.from(tokenize(message, options).ids),
    sender: message.from?.address ? message.from.address.toLowerCase() : null,
    listUnsubscribe: message.headers.some((h) => h.name === 'list-unsubscribe'),
  };
}

/** Validates stored JSON; null when it is not training data (older rows, or a filter that stored none). */
export function readScanTraining(value: unknown): ScanTraining | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (
    !Array.isArray(v.tokens) ||
    !v.tokens.every((t) => Number.isInteger(t) && (t as number) >= 0 && (t as number) <= 0xffffffff)
  )
    return null;
  return {
    tokens: v.tokens as number[],
    sender: typeof v.sender === 'string' && v.sender !== '' ? v.sender.toLowerCase() : null,
    listUnsubscribe: v.listUnsubscribe === true,
    ...(typeof v.globalLogit === 'number' && Number.isFinite(v.globalLogit)
      ? { globalLogit: v.globalLogit }
      : {}),
    ...(typeof v.dkimAligned === 'boolean' ? { dkimAligned: v.dkimAligned } : {}),
    ...(v.reputation === 'good' || v.reputation === 'bad' || v.reputation === 'unknown'
      ? { reputation: v.reputation }
      : {}),
  };
}
