/** The repository port of the Bayes model: token statistics per scope (global, or one user). */
export type Label = 'spam' | 'ham';

/** Messages trained per class in a scope. */
export interface ScopeTotals {
  readonly spam: number;
  readonly ham: number;
}

/** What one scope knows about a message's tokens: counts aligned with the looked-up token array (0 = unknown). */
export interface ScopeView {
  readonly totals: ScopeTotals;
  readonly spam: Uint32Array;
  readonly ham: Uint32Array;
}

/**
 * - `learned`: new message, counts added; `corrected`: the message was trained as the other class, its counts moved;
 * - `unchanged`: already trained as this class (no-op); `unlearned`: removed; `absent`: nothing to unlearn.
 */
export type TrainOutcome = 'learned' | 'corrected' | 'unchanged' | 'unlearned' | 'absent';

export const GLOBAL_SCOPE = 'global';
/** Scope of one user's model. User ids are opaque strings chosen by the caller (tenancy is in the id). */
export function userScope(userId: string): string {
  return `user:${userId}`;
}

export interface BayesStore {
  /** Totals and the counts of `tokens` in each scope, in one round trip; views come back in the order of `scopes`. */
  lookup(scopes: readonly string[], tokens: Uint32Array): Promise<ScopeView[]>;
  /**
   * Trains (label) or untrains (null) the message `fingerprint` in `scope`, atomically. The store keeps the message's
   * tokens with its record, so a correction or unlearn removes exactly what was added, even if the tokenizer changed.
   */
  train(
    scope: string,
    fingerprint: string,
    tokens: Uint32Array,
    label: Label | null,
    now: Date,
  ): Promise<TrainOutcome>;
  /** The class a message was trained as in the scope, or null. */
  trainedLabel(scope: string, fingerprint: string): Promise<Label | null>;
  /** Deletes tokens seen in at most `maxCount` messages and not seen since `olderThan`; returns how many. */
  prune(scope: string, olderThan: Date, maxCount: number): Promise<number>;
  totals(scope: string): Promise<ScopeTotals>;
}
