import type { BayesStore, Label, ScopeTotals, ScopeView, TrainOutcome } from './bayes-store';
import { TokenTable } from './token-table';

interface ScopeState {
  spam: number;
  ham: number;
  readonly tokens: TokenTable;
  readonly trained: Map<string, { label: Label; tokens: Uint32Array }>;
}

const DAY_MS = 86_400_000;

/**
 * In-process store: the embedded default, the harness and unit tests. A scope exists only once something was trained
 * in it, so an untrained user costs nothing.
 */
export class MemoryBayesStore implements BayesStore {
  private readonly scopes = new Map<string, ScopeState>();

  lookup(scopes: readonly string[], tokens: Uint32Array): Promise<ScopeView[]> {
    return Promise.resolve(scopes.map((s) => this.lookupSync(s, tokens)));
  }

  /** Synchronous lookup for in-process hot paths. */
  lookupSync(scope: string, tokens: Uint32Array): ScopeView {
    const st = this.scopes.get(scope);
    const spam = new Uint32Array(tokens.length);
    const ham = new Uint32Array(tokens.length);
    if (!st) return { totals: { spam: 0, ham: 0 }, spam, ham };
    const table = st.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const slot = table.find(tokens[i] as number);
      if (slot >= 0) {
        spam[i] = table.spam(slot);
        ham[i] = table.ham(slot);
      }
    }
    return { totals: { spam: st.spam, ham: st.ham }, spam, ham };
  }

  train(
    scope: string,
    fingerprint: string,
    tokens: Uint32Array,
    label: Label | null,
    now: Date,
  ): Promise<TrainOutcome> {
    return Promise.resolve(this.trainSync(scope, fingerprint, tokens, label, now));
  }

  trainSync(
    scope: string,
    fingerprint: string,
    tokens: Uint32Array,
    label: Label | null,
    now: Date,
  ): TrainOutcome {
    let st = this.scopes.get(scope);
    const previous = st?.trained.get(fingerprint);
    const day = Math.floor(now.getTime() / DAY_MS);
    if (label === null) {
      if (!st || !previous) return 'absent';
      this.apply(st, previous.tokens, previous.label, -1, day);
      st.trained.delete(fingerprint);
      if (st.trained.size === 0 && st.tokens.size === 0) this.scopes.delete(scope);
      return 'unlearned';
    }
    if (previous?.label === label) return 'unchanged';
    if (!st) {
      st = { spam: 0, ham: 0, tokens: new TokenTable(), trained: new Map() };
      this.scopes.set(scope, st);
    }
    if (previous) this.apply(st, previous.tokens, previous.label, -1, day);
    const copy = Uint32Array.from(new Set(tokens));
    this.apply(st, copy, label, 1, day);
    st.trained.set(fingerprint, { label, tokens: copy });
    return previous ? 'corrected' : 'learned';
  }

  private apply(st: ScopeState, tokens: Uint32Array, label: Label, delta: 1 | -1, day: number): void {
    if (label === 'spam') st.spam = Math.max(0, st.spam + delta);
    else st.ham = Math.max(0, st.ham + delta);
    const ds = label === 'spam' ? delta : 0;
    const dh = label === 'ham' ? delta : 0;
    // removing a token pruned meanwhile is a no-op (TokenTable.add never creates on a negative delta)
    for (let i = 0; i < tokens.length; i++) st.tokens.add(tokens[i] as number, ds, dh, day);
  }

  trainedLabel(scope: string, fingerprint: string): Promise<Label | null> {
    return Promise.resolve(this.scopes.get(scope)?.trained.get(fingerprint)?.label ?? null);
  }

  prune(scope: string, olderThan: Date, maxCount: number): Promise<number> {
    const st = this.scopes.get(scope);
    if (!st) return Promise.resolve(0);
    const day = Math.floor(olderThan.getTime() / DAY_MS);
    return Promise.resolve(st.tokens.deleteWhere((spam, ham, d) => d < day && spam + ham <= maxCount));
  }

  totals(scope: string): Promise<ScopeTotals> {
    const st = this.scopes.get(scope);
    return Promise.resolve({ spam: st?.spam ?? 0, ham: st?.ham ?? 0 });
  }

  /** Distinct tokens held for a scope (0 for a scope never trained). */
  tokenCount(scope: string): number {
    return this.scopes.get(scope)?.tokens.size ?? 0;
  }

  /** Scopes currently held in memory. */
  scopeCount(): number {
    return this.scopes.size;
  }
}
