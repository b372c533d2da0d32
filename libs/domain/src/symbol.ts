/**
 * Symbols are the named signals checks report (rspamd's model). A check declares its symbols once, with a group,
 * a description and a default weight; it then reports hits by name. Weights live in policy data, never in checks.
 */
export const SYMBOL_GROUPS = [
  'auth',
  'connection',
  'reputation',
  'lists',
  'content',
  'bayes',
  'campaign',
  'antivirus',
  'greylist',
  'outbound',
  'system',
] as const;
export type SymbolGroup = (typeof SYMBOL_GROUPS)[number];

/** UPPER_SNAKE, as in rspamd and SpamAssassin. */
export const SYMBOL_NAME_PATTERN = /^[A-Z][A-Z0-9_]*$/;

export interface SymbolDefinition {
  readonly name: string;
  readonly group: SymbolGroup;
  readonly description: string;
  /** Default weight; the policy may override it. Positive is spammy, negative is hammy. */
  readonly defaultWeight: number;
}

/**
 * One reported hit. `factor` (default 1, may be negative only for dynamic symbols such as Bayes) scales the weight,
 * so a check can say "how much" without knowing the weight. `recipients` limits the hit to some recipients (lists,
 * per-user Bayes); absent means it applies to every recipient.
 */
export interface SymbolHit {
  readonly name: string;
  readonly factor?: number;
  readonly options?: readonly string[];
  readonly recipients?: readonly string[];
}

/** A hit after scoring: what the API returns and the message log stores. */
export interface ScoredSymbol {
  readonly name: string;
  readonly group: SymbolGroup;
  readonly description: string;
  readonly weight: number;
  readonly score: number;
  readonly options: readonly string[];
}
