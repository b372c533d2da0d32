import { campaignSignature, tokenize } from '@spamfilter/bayes';
import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import type { Check, ScanContext } from '../../pipeline/check';

const sym = (name: keyof typeof DEFAULT_WEIGHTS, description: string): SymbolDefinition => ({
  name,
  group: 'campaign',
  description,
  defaultWeight: DEFAULT_WEIGHTS[name],
});

export const CAMPAIGN_SYMBOLS = [
  sym(
    'CAMPAIGN',
    'Near-copy of mail several users marked spam (or ARF reports named): option campaign id, similarity, voters',
  ),
  sym('CAMPAIGN_TEMPFAIL', 'Campaign look-up failed'),
] as const;

/** Port: the active campaigns this filter holds (services/campaign-index.ts). */
export interface CampaignSource {
  /** Whether any campaign is active (no signature is computed when none is). */
  readonly size: number;
  match(
    signature: Uint32Array,
  ): { readonly id: string; readonly voters: number; readonly similarity: number } | null;
}

export const NO_CAMPAIGNS: CampaignSource = { size: 0, match: () => null };

/**
 * Campaigns across users (rspamd's fuzzy check, fed by marks): the message's MinHash signature over its token ids
 * (libs/bayes campaign-signature.ts — the tokens the analysis already made) against the campaigns the learner
 * confirmed from several users' spam marks. One hit for every recipient: the campaign is everyone's evidence.
 */
export class CampaignCheck implements Check {
  readonly name = 'campaign';
  readonly symbols = CAMPAIGN_SYMBOLS;
  readonly tempfail = 'CAMPAIGN_TEMPFAIL';

  constructor(private readonly campaigns: CampaignSource = NO_CAMPAIGNS) {}

  run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    if (this.campaigns.size === 0) return Promise.resolve([]);
    const ids = ctx.analysis?.prepared?.tokens.ids ?? tokenize(ctx.message).ids;
    const sig = campaignSignature(ids);
    const hit = sig ? this.campaigns.match(sig) : null;
    return Promise.resolve(
      hit
        ? [
            {
              name: 'CAMPAIGN',
              options: [
                hit.id.slice(0, 8),
                `similarity=${hit.similarity.toFixed(2)}`,
                `voters=${hit.voters}`,
              ],
            },
          ]
        : [],
    );
  }
}
