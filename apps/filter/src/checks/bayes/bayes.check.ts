import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import type { PreparedMessage, ScanTraining, SpamClassifier } from '@spamfilter/bayes';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import type { Check, ScanContext } from '../../pipeline/check';

const sym = (name: keyof typeof DEFAULT_WEIGHTS, description: string): SymbolDefinition => ({
  name,
  group: 'bayes',
  description,
  defaultWeight: DEFAULT_WEIGHTS[name],
});

export const BAYES_SYMBOLS = [
  sym('BAYES_SPAM', 'Bayes says spam; factor grows from 0 at p=0.5 to 1 at p≥0.9 (option: the probability)'),
  sym('BAYES_HAM', 'Bayes says ham; factor grows from 0 at p=0.5 to 1 at p≤0.1 (option: the probability)'),
  sym('BAYES_TEMPFAIL', 'Bayes model could not be consulted'),
] as const;

/** Port: recipient address → the user id the learner trains under (null: no account, global model only). */
export interface BayesUserDirectory {
  userIdsFor(recipients: readonly string[]): Promise<ReadonlyMap<string, string | null>>;
}

export const NO_USERS: BayesUserDirectory = {
  userIdsFor: (r) => Promise.resolve(new Map(r.map((x) => [x, null]))),
};

/**
 * Bayes per recipient user through libs/bayes' SpamClassifier (layered Robinson–Fisher: global + the user's own layer,
 * plus the global discriminative component when enabled, combined in logit space). The message is prepared (tokens,
 * features) once per scan and classified once per distinct user; each hit carries `recipients`, so one user's
 * training never changes another's verdict. The check itself never waits for a number of trainings: the classifier
 * weighs the global layer by its own floor (BAYES_MIN_LEARNS) and a user's layer from the first mark, and is silent
 * (p = 0.5) only when nothing it knows applies (libs/bayes BayesClassifier.globalWeight).
 */
export class BayesCheck implements Check {
  readonly name = 'bayes';
  readonly symbols = BAYES_SYMBOLS;
  readonly tempfail = 'BAYES_TEMPFAIL';
  private readonly prepared = new WeakMap<ScanContext, PreparedMessage>();
  /** The global model's logit (no user layer) of each scan, for the training record (the learner's agreement rule). */
  private readonly globalLogits = new WeakMap<ScanContext, number>();

  constructor(
    readonly classifier: SpamClassifier,
    private readonly users: BayesUserDirectory = NO_USERS,
  ) {}

  preparedOf(ctx: ScanContext): PreparedMessage {
    let p = ctx.analysis?.prepared ?? this.prepared.get(ctx);
    if (!p) {
      p = this.classifier.prepare(ctx.message);
      this.prepared.set(ctx, p);
    }
    return p;
  }

  /**
   * The scan record's training data, from the tokens this check classified with (scan_record.training), and the
   * global model's own logit for the message when the check ran (what the learner weighs a later mark against).
   */
  training(ctx: ScanContext): ScanTraining {
    const m = ctx.message;
    const globalLogit = this.globalLogits.get(ctx);
    return {
      tokens: Array.from(this.preparedOf(ctx).tokens.ids),
      sender: m.from?.address ? m.from.address.toLowerCase() : null,
      listUnsubscribe: m.headers.some((h) => h.name === 'list-unsubscribe'),
      ...(globalLogit !== undefined ? { globalLogit: Math.round(globalLogit * 1000) / 1000 } : {}),
    };
  }

  async run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    const prepared = this.preparedOf(ctx);
    const users = await this.users.userIdsFor(ctx.envelope.rcptTo);
    const byUser = new Map<string | null, string[]>();
    for (const r of ctx.envelope.rcptTo) {
      const u = users.get(r) ?? null;
      const list = byUser.get(u);
      if (list) list.push(r);
      else byUser.set(u, [r]);
    }
    const hits: SymbolHit[] = [];
    let globalLogit: number | null = null;
    for (const [userId, recipients] of byUser) {
      const v = await this.classifier.classify(prepared, userId);
      // A verdict without user evidence is the global one.
      if (userId === null || v.bayes.userTrained.spam + v.bayes.userTrained.ham === 0) globalLogit = v.logit;
      const hit = bayesHit(v.score, v.logit, v.discriminative);
      if (hit) hits.push({ ...hit, recipients });
    }
    globalLogit ??= (await this.classifier.classify(prepared, null)).logit;
    this.globalLogits.set(ctx, globalLogit);
    return hits;
  }
}

/**
 * Dynamic factor from the probability: nothing between 0.4 and 0.6, full weight from 0.9 (and at 0.1 or less for
 * ham) — libs/bayes' spam cutoff (SpamBayes' 0.9): the model's own "this is spam" is a full BAYES_SPAM, which with
 * the default weight (7) tags on its own, and still needs other evidence to reach reject (15). Options: the
 * probability, the combined logit and, when the logistic component scored (a snapshot is loaded), its own logit
 * (`lr=`), so a verdict shows what each part said.
 */
export function bayesHit(p: number, logit: number, discriminative: number | null = null): SymbolHit | null {
  const options = [`${(p * 100).toFixed(2)}%`, `logit=${logit.toFixed(1)}`];
  if (discriminative !== null) options.push(`lr=${discriminative.toFixed(2)}`);
  if (p >= 0.6) return { name: 'BAYES_SPAM', factor: Math.min(1, (p - 0.5) / 0.4), options };
  if (p <= 0.4) return { name: 'BAYES_HAM', factor: Math.min(1, (0.5 - p) / 0.4), options };
  return null;
}
