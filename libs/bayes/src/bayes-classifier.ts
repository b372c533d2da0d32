import {
  GLOBAL_SCOPE,
  userScope,
  type BayesStore,
  type Label,
  type ScopeView,
  type TrainOutcome,
} from './bayes-store';
import {
  DEFAULT_ROBINSON_FISHER,
  fisherCombine,
  robinsonF,
  selectSignificant,
  tokenRatio,
  type RobinsonFisherOptions,
} from './robinson-fisher';
import { starterView, type StarterModel } from './starter-model';
import type { TokenSet } from './tokenizer';

export interface BayesOptions extends RobinsonFisherOptions {
  /**
   * Strength of the global layer as the prior of a user's own evidence, in messages: a token the user trained in
   * n messages gets f = (userStrength·f_global + n·userWeight·p_user) / (userStrength + n·userWeight).
   */
  readonly userStrength: number;
  /** How much one of the user's own marks weighs against the global prior. */
  readonly userWeight: number;
  /**
   * Background of a user's own counts, in messages (0: none). A user's per-class token frequency is smoothed toward
   * the global one (the provider's global layer and the starter model together), (n_user + k·π) / (N_user + k), so a
   * class the user has not marked (most people mark spam only) falls back to how common the token is in that class
   * at large: after one spam mark "the" stays neutral while the marked message's own words turn spammy. Without it an
   * unmarked class counts as empty, and every word of a spam mark looks spammy to that user.
   */
  readonly userPrior: number;
  /**
   * A message at least this much of whose tokens are in the user's marks of one class (the share of its distinct
   * tokens with counts there) is a near-copy of what they marked: the background does not apply to it, the user's
   * own counts speak alone (0: never). The next issue of a newsletter one marked spam turns spam for them even when
   * the global layer calls it ham, while mail unlike what they marked keeps the background's protection.
   */
  readonly userNearCopy: number;
  /**
   * Messages per class the global layer needs before its own verdict counts (rspamd and SpamAssassin: 200). It gates
   * the global layer only: a user's own layer speaks from the first mark, and a starter model counts as trained.
   */
  readonly globalFloor: number;
  /**
   * Below the floor: false gates the global layer's evidence off; true weighs it by min(1, trained/floor) per class
   * (each token's f(w) shrunk toward 0.5 by that weight).
   */
  readonly globalRamp: boolean;
  /**
   * Strength, in messages, of the starter model's f(w) as the prior of the provider's global counts (Robinson's x):
   * the provider's own evidence for a token outweighs the starter's view once it has seen the token this often.
   */
  readonly starterStrength: number;
  /** Tokens listed each way in an explanation. */
  readonly explainTokens: number;
}

export const DEFAULT_BAYES: BayesOptions = {
  ...DEFAULT_ROBINSON_FISHER,
  userStrength: 1,
  userWeight: 2,
  userPrior: 0,
  userNearCopy: 0,
  globalFloor: 0,
  globalRamp: false,
  starterStrength: 3,
  explainTokens: 5,
};

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
  /** How much the global layer's own evidence counted: 1 at or above the floor (or with a starter), else 0 or the ramp. */
  readonly globalWeight: number;
  readonly spammiest: readonly TokenEvidence[];
  readonly hammiest: readonly TokenEvidence[];
}

/**
 * Robinson–Fisher classifier over a global and a per-user layer (see DESIGN.md, "Bayes"). The user's counts are
 * Robinson's evidence with the global f(w) as their prior, so a new user gets exactly the global verdict and each of
 * a user's marks moves only that user's scores, from the first one. The global layer's own evidence counts once it
 * has `globalFloor` messages per class; a starter model (starter-model.ts), when installed, is the prior of the
 * provider's global counts and counts as trained. State lives in a `BayesStore`.
 */
export class BayesClassifier {
  private starter: StarterModel | null = null;

  constructor(
    private readonly store: BayesStore,
    readonly options: BayesOptions = DEFAULT_BAYES,
  ) {}

  /** Installs (or removes, null) the starter model the global layer starts from. */
  useStarter(model: StarterModel | null): void {
    this.starter = model;
  }

  get starterModel(): StarterModel | null {
    return this.starter;
  }

  /** Classifies for a user (null: global model only); one store round trip. */
  async classify(tokens: TokenSet, userId: string | null = null): Promise<BayesVerdict> {
    const scopes = userId === null ? [GLOBAL_SCOPE] : [GLOBAL_SCOPE, userScope(userId)];
    const views = await this.store.lookup(scopes, tokens.ids);
    return this.combine(tokens, views[0] as ScopeView, views[1] ?? null);
  }

  /** The global layer's weight for these totals (BayesVerdict.globalWeight). */
  globalWeight(totals: { readonly spam: number; readonly ham: number }): number {
    const o = this.options;
    if (this.starter || o.globalFloor <= 0) return 1;
    const least = Math.min(totals.spam, totals.ham);
    if (least >= o.globalFloor) return 1;
    return o.globalRamp ? least / o.globalFloor : 0;
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
    const starter = this.starter ? starterView(this.starter, ids) : null;
    const sS = starter?.totals.spam ?? 0;
    const sH = starter?.totals.ham ?? 0;
    const c = this.globalWeight(global.totals);
    const background =
      o.userPrior > 0 && !(userView !== null && isNearCopy(userView, ids.length, o.userNearCopy));
    for (let i = 0; i < ids.length; i++) {
      const gs = global.spam[i] as number;
      const gh = global.ham[i] as number;
      // The starter's own f(w) is the prior of the provider's counts (x in Robinson's formula).
      const x = starter
        ? robinsonF(starter.spam[i] as number, starter.ham[i] as number, sS, sH, o.strength, o.prior)
        : o.prior;
      let f = starter
        ? priorF(gs, gh, gS, gH, o.starterStrength, x)
        : robinsonF(gs, gh, gS, gH, o.strength, o.prior);
      f = o.prior + c * (f - o.prior);
      if (userView !== null) {
        const us = userView.spam[i] as number;
        const uh = userView.ham[i] as number;
        if (us + uh > 0) {
          const n = (us + uh) * o.userWeight;
          const p = background
            ? backgroundRatio(
                us,
                uh,
                uS,
                uH,
                gs + (starter?.spam[i] ?? 0),
                gh + (starter?.ham[i] ?? 0),
                gS + sS,
                gH + sH,
                o.userPrior,
              )
            : tokenRatio(us, uh, uS, uH);
          f = (o.userStrength * f + n * p) / (o.userStrength + n);
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
      globalWeight: c,
      spammiest: this.explain(chosen, fs, tokens, true),
      hammiest: this.explain(chosen, fs, tokens, false),
    };
  }

  private explain(chosen: number[], fs: Float64Array, tokens: TokenSet, spammy: boolean): TokenEvidence[] {
    const side = chosen.filter((i) => (spammy ? (fs[i] as number) > 0.5 : (fs[i] as number) < 0.5));
    side.sort(
      (a, b) =>
        (spammy ? (fs[b] as number) - (fs[a] as number) : (fs[a] as number) - (fs[b] as number)) || a - b,
    );
    return side
      .slice(0, this.options.explainTokens)
      .map((i) => ({ token: tokens.names[i] ?? String(tokens.ids[i]), f: fs[i] as number }));
  }

  /**
   * Trains a message as `label` in the global scope (userId null) or a user's scope. Learning the same message twice
   * as the same class is a no-op; as the other class it moves the counts (a correction).
   */
  learn(
    userId: string | null,
    fingerprint: string,
    tokens: TokenSet,
    label: Label,
    now: Date = new Date(),
  ): Promise<TrainOutcome> {
    return this.store.train(
      userId === null ? GLOBAL_SCOPE : userScope(userId),
      fingerprint,
      tokens.ids,
      label,
      now,
    );
  }

  /** Removes exactly what learning `fingerprint` added to the scope. */
  unlearn(userId: string | null, fingerprint: string, now: Date = new Date()): Promise<TrainOutcome> {
    return this.store.train(
      userId === null ? GLOBAL_SCOPE : userScope(userId),
      fingerprint,
      new Uint32Array(0),
      null,
      now,
    );
  }

  /** Expires rare, stale tokens of a scope (seen in ≤ maxCount messages, not trained since `olderThan`). */
  prune(userId: string | null, olderThan: Date, maxCount: number): Promise<number> {
    return this.store.prune(userId === null ? GLOBAL_SCOPE : userScope(userId), olderThan, maxCount);
  }
}

/**
 * A user's p(w) with each class's frequency smoothed toward the global layer's (BayesOptions.userPrior): ps =
 * (s + k·gs/GS) / (S + k), ph likewise; an empty global class contributes nothing.
 */
/** Whether a user's marks of one class hold at least `share` of the message's `n` (distinct) tokens. */
function isNearCopy(user: ScopeView, n: number, share: number): boolean {
  if (share <= 0 || n === 0) return false;
  let spam = 0;
  let ham = 0;
  for (let i = 0; i < n; i++) {
    if ((user.spam[i] as number) > 0) spam++;
    if ((user.ham[i] as number) > 0) ham++;
  }
  return Math.max(spam, ham) >= share * n;
}

/** Robinson's f(w) with prior x of strength `strength` messages: (s·x + n·p) / (s + n). */
function priorF(spam: number, ham: number, nSpam: number, nHam: number, strength: number, x: number): number {
  const n = spam + ham;
  if (n === 0) return x;
  return (strength * x + n * tokenRatio(spam, ham, nSpam, nHam)) / (strength + n);
}

export function backgroundRatio(
  spam: number,
  ham: number,
  nSpam: number,
  nHam: number,
  gSpam: number,
  gHam: number,
  gnSpam: number,
  gnHam: number,
  k: number,
): number {
  const ps = (spam + (gnSpam > 0 ? (k * gSpam) / gnSpam : 0)) / (nSpam + k);
  const ph = (ham + (gnHam > 0 ? (k * gHam) / gnHam : 0)) / (nHam + k);
  return ps + ph === 0 ? 0.5 : ps / (ps + ph);
}
