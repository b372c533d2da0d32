import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import type { Check, ScanContext } from '../../pipeline/check';
import { ReputationService } from '../../services/reputation.service';

const sym = (name: keyof typeof DEFAULT_WEIGHTS, description: string): SymbolDefinition => ({
  name,
  group: 'reputation',
  description,
  defaultWeight: DEFAULT_WEIGHTS[name],
});

export const REPUTATION_SYMBOLS = [
  sym('IP_REPUTATION_SPAM', 'Client IP mostly sent spam here recently; factor = spam share'),
  sym('IP_REPUTATION_HAM', 'Client IP mostly sent ham here recently'),
  sym('NET_REPUTATION_SPAM', "Client's network (/24, /48) mostly sent spam here recently"),
  sym('SENDER_DOMAIN_REPUTATION_SPAM', 'Sender domain mostly sent spam here recently'),
  sym('SENDER_DOMAIN_REPUTATION_HAM', 'Sender domain mostly sent ham here recently'),
  sym('REPUTATION_TEMPFAIL', 'Reputation could not be read'),
] as const;

/** Evidence needed (decayed message count) before the history speaks; one message proves nothing. */
const MIN_EVIDENCE = 5;

/**
 * Reputation from the filter's own history. The factor is the smoothed spam share scaled to the band (0.5..1 → 0..1
 * for spam, 0..0.2 → 1..0 for ham), so a mixed history says nothing and the weight comes from the policy.
 */
export class ReputationCheck implements Check {
  readonly name = 'reputation';
  readonly symbols = REPUTATION_SYMBOLS;
  readonly tempfail = 'REPUTATION_TEMPFAIL';

  constructor(private readonly reputation: ReputationService) {}

  run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    const hits: SymbolHit[] = [];
    for (const { kind, key } of ReputationService.keys(ctx.envelope.clientIp, ctx.senderDomain)) {
      const c = this.reputation.get(key);
      if (!c) continue;
      const n = c.spam + c.ham;
      if (n < MIN_EVIDENCE) continue;
      const share = (c.spam + 1) / (n + 2);
      const opt = [`${key} spam=${c.spam.toFixed(1)} ham=${c.ham.toFixed(1)}`];
      if (share > 0.5) {
        const factor = Math.min(1, (share - 0.5) * 2);
        if (kind === 'ip') hits.push({ name: 'IP_REPUTATION_SPAM', factor, options: opt });
        else if (kind === 'net') hits.push({ name: 'NET_REPUTATION_SPAM', factor, options: opt });
        else hits.push({ name: 'SENDER_DOMAIN_REPUTATION_SPAM', factor, options: opt });
      } else if (share < 0.2) {
        const factor = Math.min(1, (0.2 - share) * 5);
        if (kind === 'ip') hits.push({ name: 'IP_REPUTATION_HAM', factor, options: opt });
        else if (kind === 'domain') hits.push({ name: 'SENDER_DOMAIN_REPUTATION_HAM', factor, options: opt });
      }
    }
    return Promise.resolve(hits);
  }
}
