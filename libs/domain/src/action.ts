/**
 * What happens to a message for one recipient. Checks never choose an action: the policy maps a score to one.
 *
 * - accept   deliver as is (250)
 * - tag      deliver with X-Spam-* headers so the mailbox files it in Junk (default for inbound spam: a false
 *            positive in Junk can be found, a rejected one cannot)
 * - greylist 451 4.7.1, the sender retries after the minimum delay (RFC 5321 §4.5.4.1)
 * - reject   550 5.7.1 with the reference ID and a short reason
 * - defer    421 4.7.0, outbound rate limit exceeded: the client retries later
 * - hold     outbound: accepted but quarantined for operator review
 * - block    outbound: the sending account is blocked (550 5.7.1 with the reference ID)
 */
export const ACTIONS = ['accept', 'tag', 'greylist', 'defer', 'hold', 'reject', 'block'] as const;
export type Action = (typeof ACTIONS)[number];

/** Severity order: when one answer must cover several recipients, the most severe wins. */
export const ACTION_SEVERITY: Readonly<Record<Action, number>> = {
  accept: 0,
  tag: 1,
  greylist: 2,
  defer: 3,
  hold: 4,
  reject: 5,
  block: 6,
};

export function isAction(value: unknown): value is Action {
  return typeof value === 'string' && (ACTIONS as readonly string[]).includes(value);
}

export function mostSevere(actions: readonly Action[]): Action {
  return actions.reduce<Action>(
    (worst, a) => (ACTION_SEVERITY[a] > ACTION_SEVERITY[worst] ? a : worst),
    'accept',
  );
}

export type Direction = 'inbound' | 'outbound';
