import { GLOBAL_SCOPE, userScope, type BayesStore, type Label, type ScopeView, type TrainOutcome } from './bayes-store';
import { DEFAULT_ROBINSON_FISHER, fisherCombine, robinsonF, selectSignificant, tokenRatio, type RobinsonFisherOptions } from './robinson-fisher';
import type { TokenSet } from './tokenizer';

export interface BayesOptions extends RobinsonFisherOptions {
  /**
   * Strength of the global layer as the prior of a user's own evidence, in messages: a token the user trained in
   * n messages gets f = (userStrength·f_global + n·userWeight·p_user) / (userStrength + n·userWeight).
   */
  readonly userStrength: number;
  /** How much one of the user's own marks weighs against the global prior. */
  readonly userWeight: number;
  /** Tokens listed each way in an explanation. */
  readonly explainTokens: number;
}

export const DEFAULT_BAYES: BayesOptions = { ...DEFAULT_ROBINSON_FISHER, userStrength: 1, userWeight: 2, explainTokens: 5 };

export interface TokenEvidence {
  readonly token: string;
  /** The token's blended f(w). */
  readonly f: number;
}

export interface BayesVerdict {
  /** Spam probability in [0,1]. */
  readonly score: number;
  /** ln(score / (1 − score)) without float saturation: use it to rank and to combine. */
  readonly logit: number;
  /** Significant tokens combined. */
  readonly tokensUsed: number;
  readonly globalTrained: { readonly spam: number; readonly ham: number };
  readonly userTrained: { readonly spam: number; readonly ham: number };
  readonly spammiest: readonly TokenEvidence[];
  readonly hammiest: readonly TokenEvidence[];
}

/**
 * Robinson–Fisher classifier over a global and a per-user layer (see DESIGN.md, "Bayes"). The user's counts are
 * Robinson's evidence with the global f(w) as their prior, so a new user gets exactly the global verdict and each of
 * a user's marks moves only that user's scores. State lives in a `BayesStore`.
 */
export class BayesClassifier {
  constructor(
    private readonly store: BayesStore,
    readonly options: BayesOptions = DEFAULT_BAYES,
  ) {}

  /** Classifies for a user (null: global model only); one store round trip. */
  async classify(tokens: TokenSet, userId: string | null = null): Promise<BayesVerdict> {
    const scopes = userId === null ? [GLOBAL_SCOPE] : [GLOBAL_SCOPE, userScope(userId)];
    const views = await this.store.lookup(scopes, tokens.ids);
    return this.combine(tokens, views[0] as ScopeView, views[1] ?? null);
  }

  /** The pure part of `classify`, given the store's views (used by stores with synchronous access). */
  combine(tokens: TokenSet, global: ScopeView, user: ScopeView | null): BayesVerdict {
    const o = this.options;
    const ids = tokens.ids;
    const fs = new Float64Array(ids.length);
    const gS = global.totals.spam;
    const gH = global.totals.ham;
    const uS = user?.totals.spam ?? 0;
    const uH = user?.totals.ham ?? 0;
    const userView = user !== null && uS + uH > 0 ? user : null;
    for (let i = 0; i < ids.length; i++) {
      let f = robinsonF(global.spam[i] as number, global.ham[i] as number, gS, gH, o.strength, o.prior);
      if (userView !== null) {
        const us = userView.spam[i] as number;
        const uh = userView.ham[i] as number;
        if (us + uh > 0) {
          const n = (us + uh) * o.userWeight;
          f = (o.userStrength * f + n * tokenRatio(us, uh, uS, uH)) / (o.userStrength + n);
        }
      }
      fs[i] = f;
    }
    const chosen = selectSignificant(fs, o.minDev, o.maxTokens);
    const probs = new Float64Array(chosen.length);
    for (let i = 0; i < chosen.length; i++) probs[i] = fs[chosen[i] as number] as number;
    const { score, logit } = fisherCombine(probs);
    return {
      score,
      logit,
      tokensUsed: chosen.length,
      globalTrained: { spam: gS, ham: gH },
      userTrained: { spam: uS, ham: uH },
      spammiest: this.explain(chosen, fs, tokens, true),
      hammiest: this.explain(chosen, fs, tokens, false),
    };
  }

  private explain(chosen: number[], fs: Float64Array, tokens: TokenSet, spammy: boolean): TokenEvidence[] {
    const side = chosen.filter((i) => (spammy ? (fs[i] as number) > 0.5 : (fs[i] as number) < 0.5));
    side.sort((a, b) => (spammy ? (fs[b] as number) - (fs[a] as number) : (fs[a] as number) - (fs[b] as number)) || a - b);
    return side.slice(0, this.options.explainTokens).map((i) => ({ token: tokens.names[i] ?? String(tokens.ids[i]), f: fs[i] as number }));
  }

  /**
   * Trains a message as `label` in the global scope (userId null) or a user's scope. Learning the same message twice
   * as the same class is a no-op; as the other class it moves the counts (a correction).
   */
  learn(userId: string | null, fingerprint: string, tokens: TokenSet, label: Label, now: Date = new Date()): Promise<TrainOutcome> {
    return this.store.train(userId === null ? GLOBAL_SCOPE : userScope(userId), fingerprint, tokens.ids, label, now);
  }

  /** Removes exactly what learning `fingerprint` added to the scope. */
  unlearn(userId: string | null, fingerprint: string, now: Date = new Date()): Promise<TrainOutcome> {
    return this.store.train(userId === null ? GLOBAL_SCOPE : userScope(userId), fingerprint, new Uint32Array(0), null, now);
  }

  /** Expires rare, stale tokens of a scope (seen in ≤ maxCount messages, not trained since `olderThan`). */
  prune(userId: string | null, olderThan: Date, maxCount: number): Promise<number> {
    return this.store.prune(userId === null ? GLOBAL_SCOPE : userScope(userId), olderThan, maxCount);
  }
}
