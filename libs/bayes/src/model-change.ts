import type { Label } from './bayes-store';

/**
 * Propagation of the learner's changes to every filter's in-memory model (topic spamfilter.model.v1, keyed by the
 * scope so one scope's changes stay in order). A change carries the exact count deltas, so a filter applies it
 * without a database read, and the scope's version after the change; a filter that sees a gap (it missed a change,
 * or started from the database at an older version) drops the scope and reloads it from the database.
 */
export interface BayesDelta {
  readonly kind: 'bayes';
  /** GLOBAL_SCOPE or userScope(userId). */
  readonly scope: string;
  /** The scope's version after this change (learner_scope_version); versions increase by one per change. */
  readonly version: number;
  /** Token ids whose counts moved. */
  readonly tokens: readonly number[];
  /** Per class: +1 learned, −1 unlearned, 0 unchanged (a correction is −1 on one class and +1 on the other). */
  readonly spam: -1 | 0 | 1;
  readonly ham: -1 | 0 | 1;
}

/** A per-user policy change (a sender blocked by the learner); filters re-read that user's lists. */
export interface PolicyChange {
  readonly kind: 'policy';
  readonly userId: string;
  readonly reason: string;
}

export type ModelChange = BayesDelta | PolicyChange;

export interface ModelChangeEvent {
  readonly eventId: string;
  readonly occurredAt: string;
  readonly changes: readonly ModelChange[];
}

/** What a filter's cache offers the applier. */
export interface BayesDeltaTarget {
  /** Adds `delta` (±1) to the class `label` of the scope's totals and of each token. */
  applyDelta(scope: string, tokens: Uint32Array, label: Label, delta: 1 | -1): void;
  /** Forgets the scope; the next classification reloads it from the database. */
  dropScope(scope: string): void;
}

export type ApplyOutcome = 'applied' | 'stale' | 'reload';

/**
 * The filter side of propagation. Tracks the version each cached scope is at: the next version applies, an old or
 * repeated one is ignored (at-least-once delivery), a jump means a missed change and the scope is dropped for reload.
 * A scope the filter never loaded is not cached, so its deltas are ignored until it is loaded with `loaded()`.
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

  apply(change: BayesDelta): ApplyOutcome {
    const known = this.versions.get(change.scope);
    if (known === undefined || change.version <= known) return 'stale';
    if (change.version !== known + 1) {
      this.versions.delete(change.scope);
      this.target.dropScope(change.scope);
      return 'reload';
    }
    const tokens = Uint32Array.from(change.tokens);
    if (change.spam !== 0) this.target.applyDelta(change.scope, tokens, 'spam', change.spam);
    if (change.ham !== 0) this.target.applyDelta(change.scope, tokens, 'ham', change.ham);
    this.versions.set(change.scope, change.version);
    return 'applied';
  }

  applyAll(event: ModelChangeEvent): ApplyOutcome[] {
    return event.changes.filter((c): c is BayesDelta => c.kind === 'bayes').map((c) => this.apply(c));
  }
}
