import type { SymbolDefinition } from '@spamfilter/domain';

/**
 * Symbols of the outbound checks (authenticated submission). Rate-limit and block symbols carry no score of their
 * own weight worth tuning: they force an action (defer, block) through `outboundForcedAction`, because a limit is
 * a limit whatever the content scores. AUP and standing symbols are ordinary weighted signals.
 */
function sym(name: string, description: string, defaultWeight: number): SymbolDefinition {
  return { name, group: 'outbound', description, defaultWeight };
}

export const OUTBOUND_SYMBOLS = {
  rateAccountHour: sym('OUTBOUND_RATE_ACCOUNT_HOUR', 'The sending account exceeded its messages per hour', 0),
  rateAccountDay: sym('OUTBOUND_RATE_ACCOUNT_DAY', 'The sending account exceeded its messages per day', 0),
  rateDomainHour: sym('OUTBOUND_RATE_DOMAIN_HOUR', 'The sending domain exceeded its messages per hour', 0),
  rateDomainDay: sym('OUTBOUND_RATE_DOMAIN_DAY', 'The sending domain exceeded its messages per day', 0),
  tooManyRecipients: sym(
    'OUTBOUND_TOO_MANY_RCPTS',
    'The message has more recipients than one message may have',
    0,
  ),
  distinctRecipients: sym(
    'OUTBOUND_DISTINCT_RCPTS',
    'The account wrote to more distinct recipients this hour than allowed',
    0,
  ),
  failedRecipients: sym(
    'OUTBOUND_FAILED_RCPT_RATIO',
    "Too many of the account's recipients this hour failed (unknown users, bounces)",
    0,
  ),
  accountBlocked: sym(
    'OUTBOUND_ACCOUNT_BLOCKED',
    'The sending account is blocked (automatically or by an operator)',
    0,
  ),
  standingPoor: sym('OUTBOUND_STANDING_POOR', 'The sending account recently sent spam or drew complaints', 3),
  standingWarn: sym(
    'OUTBOUND_STANDING_WARN',
    'The sending account sent some spam or drew a complaint recently',
    1,
  ),
  aupMatch: sym(
    'OUTBOUND_AUP',
    'An acceptable-use-policy rule matched (option: the rule name; factor: the rule score)',
    1,
  ),
  noAuthUser: sym(
    'OUTBOUND_NO_AUTH_USER',
    'Outbound mail without an authenticated account (limits fall back to the envelope sender)',
    1,
  ),
  riskyPool: sym('OUTBOUND_RISKY_POOL', 'Risky but allowed: routed to the separate IP pool', 0),
} as const;

export const OUTBOUND_SYMBOL_LIST: readonly SymbolDefinition[] = Object.values(OUTBOUND_SYMBOLS);

/** Symbols that mean "a rate limit was exceeded": the message is deferred (421 4.7.0), whatever it scores. */
export const RATE_LIMIT_SYMBOLS: ReadonlySet<string> = new Set([
  OUTBOUND_SYMBOLS.rateAccountHour.name,
  OUTBOUND_SYMBOLS.rateAccountDay.name,
  OUTBOUND_SYMBOLS.rateDomainHour.name,
  OUTBOUND_SYMBOLS.rateDomainDay.name,
  OUTBOUND_SYMBOLS.tooManyRecipients.name,
  OUTBOUND_SYMBOLS.distinctRecipients.name,
  OUTBOUND_SYMBOLS.failedRecipients.name,
]);

/**
 * The action outbound hits force over the score: a blocked account is refused (550 5.7.1, block), a rate limit
 * defers (421 4.7.0). Null: the policy decides from the score. A block wins over a defer — retrying will not help.
 */
export function outboundForcedAction(hitNames: Iterable<string>): 'block' | 'defer' | null {
  let forced: 'block' | 'defer' | null = null;
  for (const name of hitNames) {
    if (name === OUTBOUND_SYMBOLS.accountBlocked.name) return 'block';
    if (RATE_LIMIT_SYMBOLS.has(name)) forced = 'defer';
  }
  return forced;
}
