import type { ScoredSymbol, SymbolGroup, SymbolHit } from '@spamfilter/domain';
import type { Policy } from './policy';
import type { SymbolRegistry } from './symbol-registry';

export interface RecipientScore {
  /** Total after group caps, rounded to 2 decimals. */
  readonly score: number;
  /** Hits that apply to every recipient, scored with this recipient's policy. */
  readonly shared: ScoredSymbol[];
  /** Hits limited to this recipient (their lists, their Bayes layer). */
  readonly own: ScoredSymbol[];
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/**
 * Sum of weight × factor per symbol for one recipient, with group caps (rspamd's group max_score): when a group's
 * positive (or negative) total passes its cap, that group's symbol scores are scaled down so the explanation still
 * adds up to the total. A hit on an undeclared symbol scores 0 and says so (a bug in a check, not a reason to fail).
 */
export function scoreRecipient(
  hits: readonly SymbolHit[],
  registry: SymbolRegistry,
  policy: Policy,
  recipient: string,
): RecipientScore {
  type Row = {
    hit: SymbolHit;
    group: SymbolGroup;
    description: string;
    weight: number;
    raw: number;
    own: boolean;
  };
  const rows: Row[] = [];
  const seen = new Map<string, Row>();
  for (const hit of hits) {
    if (hit.recipients && !hit.recipients.includes(recipient)) continue;
    const def = registry.get(hit.name);
    const weight = def ? (policy.weights[hit.name] ?? def.defaultWeight) : 0;
    const factor = hit.factor ?? 1;
    const raw = Number.isFinite(factor) ? weight * factor : 0;
    const row: Row = {
      hit,
      group: def?.group ?? 'system',
      description: def?.description ?? 'undeclared symbol (scored 0)',
      weight,
      raw,
      own: hit.recipients !== undefined,
    };
    // The same symbol twice (e.g. two list entries) counts once, with the strongest score and all options.
    const prev = seen.get(hit.name);
    if (prev) {
      if (Math.abs(raw) > Math.abs(prev.raw)) prev.raw = raw;
      prev.hit = { ...prev.hit, options: [...(prev.hit.options ?? []), ...(hit.options ?? [])] };
      prev.own = prev.own && row.own;
      continue;
    }
    seen.set(hit.name, row);
    rows.push(row);
  }

  const scale = new Map<string, { pos: number; neg: number }>();
  const groups = new Set(rows.map((r) => r.group));
  for (const g of groups) {
    const cap = policy.groupCaps[g];
    let pos = 0;
    let neg = 0;
    for (const r of rows) {
      if (r.group !== g) continue;
      if (r.raw > 0) pos += r.raw;
      else neg += r.raw;
    }
    scale.set(g, {
      pos: cap?.max !== undefined && pos > cap.max ? cap.max / pos : 1,
      neg: cap?.min !== undefined && neg < cap.min ? cap.min / neg : 1,
    });
  }

  let total = 0;
  const shared: ScoredSymbol[] = [];
  const own: ScoredSymbol[] = [];
  for (const r of rows) {
    const s = scale.get(r.group)!;
    const value = r.raw * (r.raw > 0 ? s.pos : s.neg);
    total += value;
    const scored: ScoredSymbol = {
      name: r.hit.name,
      group: r.group,
      description: r.description,
      weight: r.weight,
      score: round2(value),
      options: r.hit.options ?? [],
    };
    (r.own ? own : shared).push(scored);
  }
  return { score: round2(total), shared, own };
}
