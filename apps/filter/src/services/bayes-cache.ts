import {
  GLOBAL_SCOPE,
  ModelChangeApplier,
  scopeOfUser,
  TokenTable,
  type ApplyOutcome,
  type BayesCountsChange,
  type BayesDeltaTarget,
  type BayesStore,
  type Label,
  type ScopeTotals,
  type ScopeView,
  type TrainOutcome,
} from '@spamfilter/bayes';
import type { ModelChangeEvent } from '@spamfilter/domain';
import { decodeTokens, hasTokenRows, queryRows, runInTransaction } from '@spamfilter/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import type { FilterDatabase } from './persistence/filter-database';

/**
 * One scope in memory: totals and token counts. Tokens are keyed unsigned (`>>> 0` of the column's signed 32-bit
 * value, as the tokenizer makes them) in a typed open-addressing table: a `Map` boxes keys above 2^30, which cost an
 * allocation per looked-up token. A token no message supports is deleted, as TypeOrmBayesStore does.
 */
interface CachedScope {
  spam: number;
  ham: number;
  readonly tokens: TokenTable;
}

export interface BayesCacheOptions {
  /** User scopes kept in memory (least recently used are evicted); the global scope is always kept. */
  readonly maxUserScopes: number;
}

export const DEFAULT_BAYES_CACHE: BayesCacheOptions = { maxUserScopes: 10_000 };

export interface BayesCacheStats {
  loads: number;
  hits: number;
  applied: number;
  reloads: number;
  evictions: number;
}

/**
 * DESIGN.md "one filter instance keeps hot models in memory": the learner's Bayes tables cached per scope (global
 * always, user scopes in a bounded LRU), kept current by the exact deltas on spamfilter.model.v1 through libs/bayes'
 * ModelChangeApplier. A scope is loaded from the database on first use — counts and learner_scope_version in ONE
 * snapshot (REPEATABLE READ on PostgreSQL, the file's write queue on SQLite; the global scope's token rows, a user
 * scope's trainings summed in memory) — and reloaded after a version gap (a
 * missed event). Deltas that arrive while a scope loads are held and replayed after it, so none falls between the
 * snapshot and the cache (those at or below the snapshot's version are ignored as stale). A cached scope needs no
 * database round trip per scan; an uncached one costs one load (a user without training: two tiny rows).
 *
 * Subscribe to the topic BEFORE the first load (FilterBayesModel does): events published before the subscription are
 * not seen, and a scope loaded earlier could miss them without a later event revealing the gap.
 * Not covered: the global scope's token expiry (prune) publishes no event; a cached global scope keeps pruned rare
 * tokens until it is reloaded (a filter restart), which only makes those tokens count a little longer. (A user
 * scope's cap, LEARNER_USER_MAX_TRAININGS, is published like an undo.)
 */
export class CachedBayesStore implements BayesStore, BayesDeltaTarget {
  private readonly scopes = new Map<string, CachedScope>();
  private readonly loading = new Map<string, Promise<CachedScope>>();
  /** Events for scopes being loaded, replayed in order once the snapshot is in. */
  private readonly held = new Map<string, ModelChangeEvent[]>();
  private readonly applier = new ModelChangeApplier(this);
  readonly stats: BayesCacheStats = { loads: 0, hits: 0, applied: 0, reloads: 0, evictions: 0 };

  constructor(
    private readonly database: FilterDatabase,
    private readonly options: BayesCacheOptions = DEFAULT_BAYES_CACHE,
  ) {}

  /** A model change from spamfilter.model.v1 (other kinds are ignored). */
  apply(event: ModelChangeEvent): ApplyOutcome {
    if (event.kind !== 'bayes') return 'ignored';
    const scope = scopeOfUser(event.userId);
    const held = this.held.get(scope);
    if (held) {
      held.push(event);
      return 'stale';
    }
    const outcome = this.applier.apply(event);
    if (outcome === 'applied') this.stats.applied++;
    if (outcome === 'reload') {
      this.stats.reloads++;
      // The scope was hot: load it again now rather than on the next scan. A failure is retried on first use.
      void this.load(scope).catch(() => undefined);
    }
    return outcome;
  }

  /** Loads the global scope ahead of the first scan. */
  async warm(): Promise<void> {
    await this.load(GLOBAL_SCOPE);
  }

  /** Whether the scope is in memory (tests, /health). */
  has(scope: string): boolean {
    return this.scopes.has(scope);
  }

  versionOf(scope: string): number | undefined {
    return this.applier.versionOf(scope);
  }

  async lookup(scopes: readonly string[], tokens: Uint32Array): Promise<ScopeView[]> {
    const states = await Promise.all(scopes.map((s) => this.scope(s)));
    return states.map((st) => {
      const spam = new Uint32Array(tokens.length);
      const ham = new Uint32Array(tokens.length);
      const table = st.tokens;
      for (let i = 0; i < tokens.length; i++) {
        const slot = table.find(tokens[i] as number);
        if (slot >= 0) {
          spam[i] = table.spam(slot);
          ham[i] = table.ham(slot);
        }
      }
      return { totals: { spam: st.spam, ham: st.ham }, spam, ham };
    });
  }

  async totals(scope: string): Promise<ScopeTotals> {
    const st = await this.scope(scope);
    return { spam: st.spam, ham: st.ham };
  }

  async trainedLabel(scope: string, fingerprint: string): Promise<Label | null> {
    const rows = await queryRows<{ label: Label }>(
      this.dataSource().manager,
      'SELECT label FROM bayes_trained WHERE scope = :scope AND fingerprint = :fingerprint',
      { scope, fingerprint },
    );
    return rows[0]?.label ?? null;
  }

  train(): Promise<TrainOutcome> {
    return Promise.reject(new Error('the filter does not train: marks go through apps/api and the learner'));
  }

  prune(): Promise<number> {
    return Promise.reject(new Error('the filter does not prune: the learner owns the Bayes tables'));
  }

  // BayesDeltaTarget (called by the applier, in version order)

  applyDelta(scope: string, tokens: Uint32Array, label: Label, delta: 1 | -1): void {
    const st = this.scopes.get(scope);
    if (!st) return;
    if (label === 'spam') st.spam = Math.max(0, st.spam + delta);
    else st.ham = Math.max(0, st.ham + delta);
    const ds = label === 'spam' ? delta : 0;
    const dh = label === 'spam' ? 0 : delta;
    // The learner counts each distinct token once per message (TypeOrmBayesStore columnIds). TokenTable.add clamps at
    // 0, deletes at 0/0 and never creates a token from a removal.
    for (const t of new Set(tokens)) st.tokens.add(t, ds, dh, 0);
  }

  applyCounts(scope: string, change: BayesCountsChange): void {
    const st = this.scopes.get(scope);
    if (!st) return;
    st.spam = Math.max(0, st.spam + change.spam);
    st.ham = Math.max(0, st.ham + change.ham);
    // The learner writes a batch's net change per token the same way (BatchedBayesStore): clamp at 0, drop at 0/0.
    for (let i = 0; i < change.tokens.length; i++) {
      st.tokens.add(
        (change.tokens[i] as number) >>> 0,
        change.tokenSpam[i] as number,
        change.tokenHam[i] as number,
        0,
      );
    }
  }

  dropScope(scope: string): void {
    this.scopes.delete(scope);
  }

  private async scope(scope: string): Promise<CachedScope> {
    const st = this.scopes.get(scope);
    if (st) {
      this.stats.hits++;
      if (scope !== GLOBAL_SCOPE) {
        // Most recently used last (Map keeps insertion order).
        this.scopes.delete(scope);
        this.scopes.set(scope, st);
      }
      return st;
    }
    return this.load(scope);
  }

  private load(scope: string): Promise<CachedScope> {
    const running = this.loading.get(scope);
    if (running) return running;
    this.held.set(scope, []);
    const p = this.read(scope)
      .then(({ state, version }) => {
        this.stats.loads++;
        this.scopes.set(scope, state);
        this.applier.loaded(scope, version);
        const held = this.held.get(scope) ?? [];
        this.held.delete(scope);
        for (const e of held) this.apply(e);
        this.evict();
        return state;
      })
      .finally(() => {
        this.held.delete(scope);
        this.loading.delete(scope);
      });
    this.loading.set(scope, p);
    return p;
  }

  private evict(): void {
    let users = this.scopes.size - (this.scopes.has(GLOBAL_SCOPE) ? 1 : 0);
    for (const scope of this.scopes.keys()) {
      if (users <= this.options.maxUserScopes) break;
      if (scope === GLOBAL_SCOPE) continue;
      this.scopes.delete(scope);
      users--;
      this.stats.evictions++;
    }
  }

  private dataSource(): DataSource {
    return this.database.repos().dataSource;
  }

  /** Counts, totals and version of one scope from one snapshot. */
  private async read(scope: string): Promise<{ state: CachedScope; version: number }> {
    const ds = this.dataSource();
    const work = async (m: EntityManager): Promise<{ state: CachedScope; version: number }> => {
      const [v] = await queryRows<{ version: number }>(
        m,
        'SELECT version FROM learner_scope_version WHERE scope = :scope',
        { scope },
      );
      const [t] = await queryRows<{ spam: number; ham: number }>(
        m,
        'SELECT spam, ham FROM bayes_scope WHERE scope = :scope',
        { scope },
      );
      let tokens: TokenTable;
      if (hasTokenRows(scope)) {
        const rows = await queryRows<{ token: number | string; spam: number | string; ham: number | string }>(
          m,
          'SELECT token, spam, ham FROM bayes_token WHERE scope = :scope',
          { scope },
        );
        tokens = new TokenTable(rows.length);
        for (const r of rows) tokens.add(Number(r.token) >>> 0, Number(r.spam), Number(r.ham), 0);
      } else {
        // A user scope is its trainings (bayes_trained): summed here, in memory, from one query.
        const rows = await queryRows<{ label: Label; tokens: unknown }>(
          m,
          'SELECT label, tokens FROM bayes_trained WHERE scope = :scope',
          { scope },
        );
        // A user without training gets the smallest table (16 slots).
        tokens = new TokenTable(0);
        for (const r of rows) {
          const ds = r.label === 'spam' ? 1 : 0;
          for (const t of decodeTokens(r.tokens)) tokens.add(t >>> 0, ds, 1 - ds, 0);
        }
      }
      return {
        state: { spam: Number(t?.spam ?? 0), ham: Number(t?.ham ?? 0), tokens },
        version: Number(v?.version ?? 0),
      };
    };
    return ds.options.type === 'postgres'
      ? ds.transaction('REPEATABLE READ', work)
      : runInTransaction(ds, work);
  }
}
