import type { ScanEnvelope, SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import type { ParsedMessage } from '@spamfilter/mail';
import type { MessageAnalysis } from '../analysis/message-analysis';

/** What every check sees: the envelope, the raw bytes (for DKIM) and the message parsed once. */
export interface ScanContext {
  readonly envelope: ScanEnvelope;
  readonly raw: Buffer;
  readonly message: ParsedMessage;
  /** Lower-cased domain of MAIL FROM, else of the From header; null for a null sender without From. */
  readonly senderDomain: string | null;
  /**
   * What was computed from the bytes alone, maybe on another thread (tokens, fingerprint, content hits); checks use
   * it rather than compute it again. Absent when a check runs on a hand-made context (tests).
   */
  readonly analysis?: MessageAnalysis;
}

/**
 * A check declares its symbols and reports hits (rspamd's module model). It never holds a weight or picks an action:
 * weights come from the policy by symbol name. `tempfail` is the symbol the pipeline reports when the check times
 * out or throws, so a failing check is a result, not a failed scan.
 */
export interface Check {
  readonly name: string;
  readonly symbols: readonly SymbolDefinition[];
  readonly tempfail: string;
  run(ctx: ScanContext, signal: AbortSignal): Promise<readonly SymbolHit[]>;
  /**
   * Message-level trace headers the check derives from the scan's hits (its own, or its tempfail symbol when it
   * failed), e.g. Authentication-Results. Built from the hits so a header never says more than was scored.
   */
  headers?(hits: readonly SymbolHit[], ctx: ScanContext): readonly (readonly [string, string])[];
}
