import type { Action, Direction, ScoredSymbol, SymbolHit } from '@spamfilter/domain';
import { actionForScore, inGreylistBand } from './actions';
import type { Policy } from './policy';
import { scoreRecipient } from './scorer';
import { SymbolRegistry } from './symbol-registry';

/** A logged verdict for one recipient: the message's shared symbols and the recipient's own, as stored. */
export interface LoggedVerdict {
  readonly direction: Direction;
  readonly recipient: string;
  readonly shared: readonly ScoredSymbol[];
  readonly own: readonly ScoredSymbol[];
}

export interface ReplayedVerdict {
  readonly score: number;
  /** accept / tag / reject inbound, accept / hold / reject outbound: greylisting needs the triplet's state. */
  readonly action: Action;
  /** The score falls in the greylisting band: a first delivery from an unknown triplet would get 451 first. */
  readonly greylistBand: boolean;
}

/**
 * How a logged verdict would be decided under another policy, from what the message log keeps (each symbol's group,
 * weight and score): the hit's factor is its score over its weight at the time (Bayes' and reputation's dynamic
 * factors included). A new weight applies to that factor; unknown or zero-weight symbols keep factor 1.
 * Exact unless a group cap scaled the message's symbols at the time and the policy raises that cap (the scaled
 * factors then stay scaled): a preview, not a re-scan.
 */
export function replayVerdict(
  logged: LoggedVerdict,
  policy: Policy,
  defaultWeights: Readonly<Record<string, number>>,
): ReplayedVerdict {
  const registry = new SymbolRegistry();
  const hits: SymbolHit[] = [];
  for (const [symbols, own] of [
    [logged.shared, false],
    [logged.own, true],
  ] as const) {
    for (const s of symbols) {
      if (!registry.get(s.name)) {
        registry.add({
          name: s.name,
          group: s.group,
          description: s.description,
          defaultWeight: defaultWeights[s.name] ?? s.weight,
        });
      }
      const factor = s.weight !== 0 && Number.isFinite(s.score / s.weight) ? s.score / s.weight : 1;
      hits.push({
        name: s.name,
        factor,
        options: s.options,
        ...(own ? { recipients: [logged.recipient] } : {}),
      });
    }
  }
  const { score } = scoreRecipient(hits, registry, policy, logged.recipient);
  return {
    score,
    action: actionForScore(score, policy, logged.direction),
    greylistBand: inGreylistBand(score, policy, logged.direction),
  };
}
