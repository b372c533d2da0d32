import type { BayesStore, Label, ScopeTotals, ScopeView, TrainOutcome } from './bayes-store';

interface Row {
  spam: number;
  ham: number;
  /** Last time (epoch day) the token was trained. */
  day: number;
}

interface ScopeState {
  spam: number;
  ham: number;
  readonly tokens: Map<number, Row>;
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
    for (let i = 0; i < tokens.length; i++) {
      const row = st.tokens.get(tokens[i] as number);
      if (row) {
        spam[i] = row.spam;
        ham[i] = row.ham;
      }
    }
    return { totals: { spam: st.spam, ham: st.ham }, spam, ham };
  }

  train(scope: string, fingerprint: string, tokens: Uint32Array, label: Label | null, now: Date): Promise<TrainOutcome> {
    return Promise.resolve(this.trainSync(scope, fingerprint, tokens, label, now));
  }

  trainSync(scope: string, fingerprint: string, tokens: Uint32Array, label: Label | null, now: Date): TrainOutcome {
    let st = this.scopes.get(scope);
    const previous = st?.trained.get(fingerprint);
    if (label === null) {
      if (!st || !previous) return 'absent';
      this.apply(st, previous.tokens, previous.label, -1, 0);
      st.trained.delete(fingerprint);
      if (st.trained.size === 0 && st.tokens.size === 0) this.scopes.delete(scope);
      return 'unlearned';
    }
    if (previous?.label === label) return 'unchanged';
    if (!st) {
      st = { spam: 0, ham: 0, tokens: new Map(), trained: new Map() };
      this.scopes.set(scope, st);
    }
    const day = Math.floor(now.getTime() / DAY_MS);
    if (previous) this.apply(st, previous.tokens, previous.label, -1, day);
    const copy = Uint32Array.from(tokens);
    this.apply(st, copy, label, 1, day);
    st.trained.set(fingerprint, { label, tokens: copy });
    return previous ? 'corrected' : 'learned';
  }

  private apply(st: ScopeState, tokens: Uint32Array, label: Label, delta: 1 | -1, day: number): void {
    if (label === 'spam') st.spam = Math.max(0, st.spam + delta);
    else st.ham = Math.max(0, st.ham + delta);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as number;
      let row = st.tokens.get(t);
      if (!row) {
        if (delta < 0) continue; // pruned meanwhile
        row = { spam: 0, ham: 0, day };
        st.tokens.set(t, row);
      }
      if (label === 'spam') row.spam = Math.max(0, row.spam + delta);
      else row.ham = Math.max(0, row.ham + delta);
      if (delta > 0) row.day = day;
      if (row.spam === 0 && row.ham === 0) st.tokens.delete(t);
    }
  }

  trainedLabel(scope: string, fingerprint: string): Promise<Label | null> {
    return Promise.resolve(this.scopes.get(scope)?.trained.get(fingerprint)?.label ?? null);
  }

  prune(scope: string, olderThan: Date, maxCount: number): Promise<number> {
    const st = this.scopes.get(scope);
    if (!st) return Promise.resolve(0);
    const day = Math.floor(olderThan.getTime() / DAY_MS);
    let n = 0;
    for (const [t, row] of st.tokens) {
      if (row.day < day && row.spam + row.ham <= maxCount) {
        st.tokens.delete(t);
        n++;
      }
    }
    return Promise.resolve(n);
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
