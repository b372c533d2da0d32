import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import { BayesClassifier, DEFAULT_TOKENIZER, tokenize, type ScanTraining, type TokenSet, type TokenizerOptions } from '@spamfilter/bayes';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import type { Check, ScanContext } from '../../pipeline/check';

const sym = (name: keyof typeof DEFAULT_WEIGHTS, description: string): SymbolDefinition => ({
  name,
  group: 'bayes',
  description,
  defaultWeight: DEFAULT_WEIGHTS[name],
});

export const BAYES_SYMBOLS = [
  sym('BAYES_SPAM', 'Bayes says spam; factor grows from 0 at p=0.5 to 1 at p≥0.99 (option: the probability)'),
  sym('BAYES_HAM', 'Bayes says ham; factor grows from 0 at p=0.5 to 1 at p≤0.01 (option: the probability)'),
  sym('BAYES_TEMPFAIL', 'Bayes model could not be consulted'),
] as const;

/** Port: recipient address → the user id the learner trains under (null: no account, global model only). */
export interface BayesUserDirectory {
  userIdsFor(recipients: readonly string[]): Promise<ReadonlyMap<string, string | null>>;
}

export const NO_USERS: BayesUserDirectory = { userIdsFor: (r) => Promise.resolve(new Map(r.map((x) => [x, null]))) };

export interface BayesCheckOptions {
  /** Learns per class before the global model speaks (rspamd and SpamAssassin: 200). */
  readonly minLearns: number;
  readonly tokenizer?: TokenizerOptions;
}

/**
 * Bayes per recipient user (libs/bayes: global layer + the user's own, blended by how much the user trained). The
 * message is tokenized once per scan and classified once per distinct user; each hit carries `recipients`, so one
 * user's training never changes another's verdict. Silent until the global model has `minLearns` of each class.
 */
export class BayesCheck implements Check {
  readonly name = 'bayes';
  readonly symbols = BAYES_SYMBOLS;
  readonly tempfail = 'BAYES_TEMPFAIL';
  private readonly tokens = new WeakMap<ScanContext, TokenSet>();

  constructor(
    private readonly classifier: BayesClassifier,
    private readonly options: BayesCheckOptions,
    private readonly users: BayesUserDirectory = NO_USERS,
  ) {}

  tokensOf(ctx: ScanContext): TokenSet {
    let t = this.tokens.get(ctx);
    if (!t) {
      t = tokenize(ctx.message, this.options.tokenizer ?? DEFAULT_TOKENIZER);
      this.tokens.set(ctx, t);
    }
    return t;
  }

  /** The scan record's training data, from the tokens this check classified with (scan_record.training). */
  training(ctx: ScanContext): ScanTraining {
    const m = ctx.message;
    return {
      tokens: Array.from(this.tokensOf(ctx).ids),
      sender: m.from?.address ? m.from.address.toLowerCase() : null,
      listUnsubscribe: m.headers.some((h) => h.name === 'list-unsubscribe'),
    };
  }

  async run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    const tokens = this.tokensOf(ctx);
    const users = await this.users.userIdsFor(ctx.envelope.rcptTo);
    const byUser = new Map<string | null, string[]>();
    for (const r of ctx.envelope.rcptTo) {
      const u = users.get(r) ?? null;
      const list = byUser.get(u);
      if (list) list.push(r);
      else byUser.set(u, [r]);
    }
    const hits: SymbolHit[] = [];
    for (const [userId, recipients] of byUser) {
      const v = await this.classifier.classify(tokens, userId);
      const learnedSpam = v.globalTrained.spam + v.userTrained.spam;
      const learnedHam = v.globalTrained.ham + v.userTrained.ham;
      if (learnedSpam < this.options.minLearns || learnedHam < this.options.minLearns) continue;
      const hit = bayesHit(v.score, v.logit);
      if (hit) hits.push({ ...hit, recipients });
    }
    return hits;
  }
}

/** Dynamic factor from the probability: nothing between 0.4 and 0.6, full weight at 0.99 / 0.01. */
export function bayesHit(p: number, logit: number): SymbolHit | null {
  const option = `${(p * 100).toFixed(2)}%`;
  if (p >= 0.6) return { name: 'BAYES_SPAM', factor: Math.min(1, (p - 0.5) / 0.49), options: [option, `logit=${logit.toFixed(1)}`] };
  if (p <= 0.4) return { name: 'BAYES_HAM', factor: Math.min(1, (0.5 - p) / 0.49), options: [option, `logit=${logit.toFixed(1)}`] };
  return null;
}
