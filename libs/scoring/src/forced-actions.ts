import type { Action, Direction } from '@spamfilter/domain';
import type { ForcedActionKind, ForcedActionRule, Policy } from './policy';

export interface ForcedVerdict {
  /** The rule's name in the policy (gtube, dmarc_reject, …). */
  readonly rule: string;
  /** What the rule asked for, before mapping (quarantine stays visible in the explanation). */
  readonly kind: Exclude<ForcedActionKind, 'off'>;
  readonly action: Action;
  readonly symbol: string;
  /** The triggering hit's first option (e.g. the DMARC domain), for the explanation. */
  readonly detail: string | null;
  readonly reason: string;
}

/**
 * The action a rule's kind stands for. A quarantine is a tag as a verdict (quarantine is a place, not a verdict): the
 * scan keeps that recipient's copy in the quarantine instead of delivering it to Junk (apps/filter scan.service.ts,
 * the plan's `quarantine` flag).
 */
export function forcedKindAction(kind: Exclude<ForcedActionKind, 'off'>): Action {
  switch (kind) {
    case 'reject':
      return 'reject';
    case 'quarantine':
    case 'tag':
      return 'tag';
  }
}

const RANK: Readonly<Record<Exclude<ForcedActionKind, 'off'>, number>> = { tag: 1, quarantine: 2, reject: 3 };

/**
 * The strongest forced-action rule that applies to one recipient, given the symbols that hit for them (shared and
 * their own), or null. A rule applies when its symbol hit and none of its `unless` symbols did. Inbound only: an
 * authenticated sender's own DMARC result says nothing about its mail (the next hop checks it), and outbound has
 * hold and block of its own.
 */
export function forcedActionFor(
  symbols: readonly { readonly name: string; readonly options: readonly string[] }[],
  policy: Policy,
  direction: Direction,
): ForcedVerdict | null {
  if (direction !== 'inbound') return null;
  const byName = new Map(symbols.map((s) => [s.name, s]));
  let best: ForcedVerdict | null = null;
  for (const [rule, r] of Object.entries(policy.forcedActions) as [string, ForcedActionRule][]) {
    if (r.action === 'off') continue;
    const hit = byName.get(r.symbol);
    if (!hit || r.unless.some((u) => byName.has(u))) continue;
    if (best && RANK[best.kind] >= RANK[r.action]) continue;
    best = {
      rule,
      kind: r.action,
      action: forcedKindAction(r.action),
      symbol: r.symbol,
      detail: hit.options[0] ?? null,
      reason: r.reason,
    };
  }
  return best;
}
