import type { ModelChangeEvent } from '@spamfilter/domain';
import { GLOBAL_SCOPE, userScope, type Label } from './bayes-store';

/**
 * Propagation of the learner's Bayes changes to every filter's in-memory model: libs/domain's ModelChangeEvent
 * (topic spamfilter.model.v1, keyed by userId or 'global') of kind 'bayes', whose payload is a BayesDeltaPayload:
 * the exact count deltas, so a filter applies a change without a database read. `version` is the scope's version
 * after the change (learner_scope_version, +1 per change); a filter that sees a gap drops the scope and reloads
 * it from the database. The learner publishes ONE change per scope per batch (the net of the batch's trainings,
 * with per-token counts), not one per training.
 */
export interface BayesDeltaPayload {
  /** Token ids whose counts moved. */
  readonly tokens: readonly number[];
  /** Messages added (+) or removed (−) per class (one training: ±1; a correction: −1 on one class, +1 on the other). */
  readonly spam: number;
  readonly ham: number;
  /**
   * Per token (aligned with `tokens`): the change of its spam and ham counts. Absent: every token moves by
   * `spam` and `ham` (one training's delta, the format before per-batch changes).
   */
  readonly tokenSpam?: readonly number[];
  readonly tokenHam?: readonly number[];
}

/** A per-batch change with its per-token counts (BayesDeltaPayload with both per-token lists present). */
export type BayesCountsChange = Required<BayesDeltaPayload>;

/**
 * Sums trainings and untrainings of one scope into one BayesDeltaPayload (the learner's per-batch change). Tokens
 * are counted once per message, as the stores count them; tokens whose counts net to zero are left out.
 */
export class BayesDeltaSum {
  private spam = 0;
  private ham = 0;
  /** token → [spam, ham, the `add` call that last counted it] (a token counts once per message). */
  private readonly counts = new Map<number, [number, number, number]>();
  private calls = 0;

  add(tokens: readonly number[], label: Label, sign: 1 | -1): void {
    const k = label === 'spam' ? 0 : 1;
    const call = ++this.calls;
    if (k === 0) this.spam += sign;
    else this.ham += sign;
    for (let i = 0; i < tokens.length; i++) {
      const t = (tokens[i] as number) | 0;
      const c = this.counts.get(t);
      if (!c) this.counts.set(t, k === 0 ? [sign, 0, call] : [0, sign, call]);
      else if (c[2] !== call) {
        c[k] += sign;
        c[2] = call;
      }
    }
  }

  payload(): BayesCountsChange {
    const tokens: number[] = [];
    const tokenSpam: number[] = [];
    const tokenHam: number[] = [];
    for (const [t, [s, h]] of [...this.counts].sort((a, b) => a[0] - b[0])) {
      if (s === 0 && h === 0) continue;
      tokens.push(t);
      tokenSpam.push(s);
      tokenHam.push(h);
    }
    return { tokens, spam: this.spam, ham: this.ham, tokenSpam, tokenHam };
  }
}

/** The Bayes scope an event's userId names. */
export function scopeOfUser(userId: string | null): string {
  return userId === null ? GLOBAL_SCOPE : userScope(userId);
}

/** The delta of a 'bayes' event, or null when the event is another kind or its payload is malformed. */
export function bayesDeltaOf(event: ModelChangeEvent): BayesDeltaPayload | null {
  if (event.kind !== 'bayes') return null;
  const p = event.payload as Partial<BayesDeltaPayload>;
  const int = (v: unknown): v is number => Number.isInteger(v);
  if (!Array.isArray(p.tokens) || !int(p.spam) || !int(p.ham)) return null;
  if (p.tokenSpam === undefined && p.tokenHam === undefined) {
    if (Math.abs(p.spam) > 1 || Math.abs(p.ham) > 1) return null;
    return { tokens: p.tokens, spam: p.spam, ham: p.ham };
  }
  const aligned = (v: unknown): v is number[] =>
    Array.isArray(v) && v.length === (p.tokens as unknown[]).length && v.every(int);
  if (!aligned(p.tokenSpam) || !aligned(p.tokenHam)) return null;
  return { tokens: p.tokens, spam: p.spam, ham: p.ham, tokenSpam: p.tokenSpam, tokenHam: p.tokenHam };
}

/** What a filter's cache offers the applier. */
export interface BayesDeltaTarget {
  /** Adds `delta` (±1) to the class `label` of the scope's totals and of each token. */
  applyDelta(scope: string, tokens: Uint32Array, label: Label, delta: 1 | -1): void;
  /**
   * Adds a per-batch change: `spam`/`ham` to the totals, `tokenSpam[i]`/`tokenHam[i]` to token `tokens[i]` (counts
   * clamp at 0 and a token at 0/0 disappears, as in the tables).
   */
  applyCounts(scope: string, change: BayesCountsChange): void;
  /** Forgets the scope; the next classification reloads it from the database. */
  dropScope(scope: string): void;
}

export type ApplyOutcome = 'applied' | 'stale' | 'reload' | 'ignored';

/**
 * The filter side of propagation. Tracks the version each cached scope is at: the next version applies, an old or
 * repeated one is ignored (at-least-once delivery), a jump means a missed change and the scope is dropped for reload.
 * A scope the filter has not loaded is not cached, so its deltas are ignored until it is loaded with `loaded()`.
 */
export class ModelChangeApplier {
  private readonly versions = new Map<string, number>();

  constructor(private readonly target: BayesDeltaTarget) {}

  /** The filter (re)loaded `scope` from the database at `version` (learner_scope_version, 0 when absent). */
  loaded(scope: string, version: number): void {
    this.versions.set(scope, version);
  }

  versionOf(scope: string): number | undefined {
    return this.versions.get(scope);
  }

  apply(event: ModelChangeEvent): ApplyOutcome {
    const delta = bayesDeltaOf(event);
    if (!delta) return 'ignored';
    const scope = scopeOfUser(event.userId);
    const known = this.versions.get(scope);
    if (known === undefined || event.version <= known) return 'stale';
    if (event.version !== known + 1) {
      this.versions.delete(scope);
      this.target.dropScope(scope);
      return 'reload';
    }
    if (delta.tokenSpam && delta.tokenHam) {
      this.target.applyCounts(scope, {
        spam: delta.spam,
        ham: delta.ham,
        tokens: delta.tokens,
        tokenSpam: delta.tokenSpam,
        tokenHam: delta.tokenHam,
      });
    } else {
      const tokens = Uint32Array.from(delta.tokens);
      if (delta.spam !== 0) this.target.applyDelta(scope, tokens, 'spam', delta.spam as 1 | -1);
      if (delta.ham !== 0) this.target.applyDelta(scope, tokens, 'ham', delta.ham as 1 | -1);
    }
    this.versions.set(scope, event.version);
    return 'applied';
  }
}
