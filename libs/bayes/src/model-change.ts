import type { ModelChangeEvent } from '@spamfilter/domain';
import { GLOBAL_SCOPE, userScope, type Label } from './bayes-store';

/**
 * Propagation of the learner's Bayes changes to every filter's in-memory model: libs/domain's ModelChangeEvent
 * (topic spamfilter.model.v1, keyed by userId or 'global') of kind 'bayes', whose payload is a BayesDeltaPayload:
 * the exact count deltas, so a filter applies a change without a database read. `version` is the scope's version
 * after the change (learner_scope_version, +1 per change); a filter that sees a gap drops the scope and reloads
 * it from the database.
 */
export interface BayesDeltaPayload {
  /** Token ids whose counts moved. */
  readonly tokens: readonly number[];
  /** Per class: +1 learned, −1 unlearned, 0 unchanged (a correction is −1 on one class and +1 on the other). */
  readonly spam: -1 | 0 | 1;
  readonly ham: -1 | 0 | 1;
}

/** The Bayes scope an event's userId names. */
export function scopeOfUser(userId: string | null): string {
  return userId === null ? GLOBAL_SCOPE : userScope(userId);
}

/** The delta of a 'bayes' event, or null when the event is another kind or its payload is malformed. */
export function bayesDeltaOf(event: ModelChangeEvent): BayesDeltaPayload | null {
  if (event.kind !== 'bayes') return null;
  const p = event.payload as Partial<BayesDeltaPayload>;
  const unit = (v: unknown): v is -1 | 0 | 1 => v === -1 || v === 0 || v === 1;
  if (!Array.isArray(p.tokens) || !unit(p.spam) || !unit(p.ham)) return null;
  return { tokens: p.tokens, spam: p.spam, ham: p.ham };
}

/** What a filter's cache offers the applier. */
export interface BayesDeltaTarget {
  /** Adds `delta` (±1) to the class `label` of the scope's totals and of each token. */
  applyDelta(scope: string, tokens: Uint32Array, label: Label, delta: 1 | -1): void;
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
    const tokens = Uint32Array.from(delta.tokens);
    if (delta.spam !== 0) this.target.applyDelta(scope, tokens, 'spam', delta.spam);
    if (delta.ham !== 0) this.target.applyDelta(scope, tokens, 'ham', delta.ham);
    this.versions.set(scope, event.version);
    return 'applied';
  }
}
