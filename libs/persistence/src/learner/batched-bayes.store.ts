import type { BayesStore, Label, ScopeTotals, ScopeView, TrainOutcome } from '@spamfilter/bayes';
import type { EntityManager } from 'typeorm';
import { queryRows } from '../transactions';
import { TypeOrmBayesStore } from './typeorm-bayes.store';

const DAY_MS = 86_400_000;
const GLOBAL = 'global';
/** Rows per statement (token ids inlined as integers; scopes and fingerprints as bind parameters). */
const CHUNK = 2000;
/** (scope, fingerprint) pairs per prefetch statement (two bind parameters each, under SQLite's limit). */
const KEY_CHUNK = 400;
/** (scope, token) rows per unnest statement on PostgreSQL (arrays as parameters: no statement-size concern). */
const UNNEST_CHUNK = 50_000;

/** A BayesStore that can be written once per batch: the learner's port for batch-level SQL. */
export interface BatchBayesStore extends BayesStore {
  /** Loads what these messages were trained as, in one query, so the batch's `train` calls read no database. */
  prefetch(keys: readonly { readonly scope: string; readonly fingerprint: string }[]): Promise<void>;
  /** Writes everything `train` accumulated: one upsert for all token counts, scope totals and trained records. */
  flush(): Promise<void>;
}

export function isBatchBayesStore(store: BayesStore): store is BatchBayesStore {
  const s = store as Partial<BatchBayesStore>;
  return typeof s.prefetch === 'function' && typeof s.flush === 'function';
}

interface Trained {
  readonly label: Label;
  readonly tokens: readonly number[];
}

interface TokenDelta {
  spam: number;
  ham: number;
  /** Counted up in this batch: last_day moves to the batch's day (as a single training would). */
  touched: boolean;
}

const toColumn = (id: number): number => id | 0;

function columnIds(tokens: ArrayLike<number>): number[] {
  const set = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as number;
    if (!Number.isInteger(t)) throw new Error(`token id ${String(t)} is not an integer`);
    set.add(toColumn(t));
  }
  return [...set].sort((a, b) => a - b);
}

const key = (scope: string, fingerprint: string): string => `${scope}\u0000${fingerprint}`;

/**
 * TypeOrmBayesStore's semantics, written per batch instead of per training (the learner's throughput, issue 6):
 * `train` decides from the prefetched bayes_trained records and this batch's own earlier trainings (so a learn,
 * correction and undo of one message inside a batch apply in order), and adds ±1 per token to in-memory deltas per
 * scope; `flush` writes the net deltas with one upsert per 2,000 (scope, token) rows, sorted so that concurrent
 * learners lock rows in one order. Decrements clamp at 0 and tokens no message supports any more are deleted,
 * as TypeOrmBayesStore does. Must run inside the caller's transaction; nothing is written before `flush`.
 */
export class BatchedBayesStore implements BatchBayesStore {
  private readonly direct: TypeOrmBayesStore;
  /** What each message is trained as after this batch's trainings so far (null: not trained). */
  private readonly trained = new Map<string, Trained | null>();
  /** Records whose row changed in this batch (written at flush). */
  private readonly dirty = new Map<string, { scope: string; fingerprint: string; existed: boolean }>();
  private readonly tokens = new Map<string, Map<number, TokenDelta>>();
  private readonly totalsDelta = new Map<string, { spam: number; ham: number }>();
  private readonly baseTotals = new Map<string, ScopeTotals>();
  private day = 0;

  constructor(private readonly manager: EntityManager) {
    this.direct = new TypeOrmBayesStore(manager);
  }

  lookup(scopes: readonly string[], tokens: Uint32Array): Promise<ScopeView[]> {
    return this.direct.lookup(scopes, tokens);
  }

  prune(scope: string, olderThan: Date, maxCount: number): Promise<number> {
    return this.direct.prune(scope, olderThan, maxCount);
  }

  async prefetch(keys: readonly { readonly scope: string; readonly fingerprint: string }[]): Promise<void> {
    const wanted = keys.filter((k) => !this.trained.has(key(k.scope, k.fingerprint)));
    for (let i = 0; i < wanted.length; i += KEY_CHUNK) {
      const part = wanted.slice(i, i + KEY_CHUNK);
      const params: Record<string, unknown> = {};
      const where = part
        .map((k, j) => {
          params[`s${j}`] = k.scope;
          params[`f${j}`] = k.fingerprint;
          return `(scope = :s${j} AND fingerprint = :f${j})`;
        })
        .join(' OR ');
      const lock = this.manager.connection.options.type === 'postgres' ? ' FOR UPDATE' : '';
      const rows = await queryRows<{
        scope: string;
        fingerprint: string;
        label: Label;
        tokens: string | number[];
      }>(
        this.manager,
        `SELECT scope, fingerprint, label, tokens FROM bayes_trained WHERE ${where}${lock}`,
        params,
      );
      for (const k of part) this.trained.set(key(k.scope, k.fingerprint), null);
      for (const r of rows) {
        const tokens = typeof r.tokens === 'string' ? (JSON.parse(r.tokens) as number[]) : r.tokens;
        this.trained.set(key(r.scope, r.fingerprint), { label: r.label, tokens });
      }
    }
  }

  async train(
    scope: string,
    fingerprint: string,
    tokens: Uint32Array,
    label: Label | null,
    now: Date,
  ): Promise<TrainOutcome> {
    const k = key(scope, fingerprint);
    if (!this.trained.has(k)) await this.prefetch([{ scope, fingerprint }]);
    const previous = this.trained.get(k) ?? null;
    this.day = Math.floor(now.getTime() / DAY_MS);
    if (label === null) {
      if (!previous) return 'absent';
      this.count(scope, previous.tokens, previous.label, -1);
      this.set(k, scope, fingerprint, null);
      return 'unlearned';
    }
    if (previous?.label === label) return 'unchanged';
    if (previous) this.count(scope, previous.tokens, previous.label, -1);
    const ids = columnIds(tokens);
    this.count(scope, ids, label, 1);
    this.set(k, scope, fingerprint, { label, tokens: ids });
    return previous ? 'corrected' : 'learned';
  }

  trainedLabel(scope: string, fingerprint: string): Promise<Label | null> {
    const k = key(scope, fingerprint);
    if (this.trained.has(k)) return Promise.resolve(this.trained.get(k)?.label ?? null);
    return this.direct.trainedLabel(scope, fingerprint);
  }

  /** The stored totals plus this batch's pending deltas (as TypeOrmBayesStore would read them mid-transaction). */
  async totals(scope: string): Promise<ScopeTotals> {
    let base = this.baseTotals.get(scope);
    if (!base) {
      base = await this.direct.totals(scope);
      this.baseTotals.set(scope, base);
    }
    const d = this.totalsDelta.get(scope);
    return d ? { spam: Math.max(0, base.spam + d.spam), ham: Math.max(0, base.ham + d.ham) } : base;
  }

  async flush(): Promise<void> {
    await this.flushTokens();
    await this.flushTotals();
    await this.flushTrained();
    this.tokens.clear();
    this.totalsDelta.clear();
    this.dirty.clear();
  }

  private set(k: string, scope: string, fingerprint: string, value: Trained | null): void {
    const d = this.dirty.get(k);
    if (!d) this.dirty.set(k, { scope, fingerprint, existed: this.trained.get(k) !== null });
    this.trained.set(k, value);
  }

  private count(scope: string, ids: readonly number[], label: Label, delta: 1 | -1): void {
    const ds = label === 'spam' ? delta : 0;
    const dh = label === 'ham' ? delta : 0;
    const t = this.totalsDelta.get(scope) ?? { spam: 0, ham: 0 };
    t.spam += ds;
    t.ham += dh;
    this.totalsDelta.set(scope, t);
    let map = this.tokens.get(scope);
    if (!map) {
      map = new Map();
      this.tokens.set(scope, map);
    }
    for (const id of ids) {
      const c = map.get(id);
      if (c) {
        c.spam += ds;
        c.ham += dh;
        if (delta > 0) c.touched = true;
      } else map.set(id, { spam: ds, ham: dh, touched: delta > 0 });
    }
  }

  private async flushTokens(): Promise<void> {
    // User scopes first, the shared global scope last: concurrent learners (disjoint users) write their users'
    // rows in parallel and queue for the global rows only at the end, always in one order (no deadlocks).
    const scopes = [...this.tokens.keys()].sort((a, b) =>
      a === GLOBAL ? 1 : b === GLOBAL ? -1 : a < b ? -1 : a > b ? 1 : 0,
    );
    const params: Record<string, unknown> = { day: this.day };
    scopes.forEach((s, i) => (params[`s${i}`] = s));
    // Increments only (the common case): one upsert. Anything with a decrement: ensure the row, clamp, delete zeros.
    const up: [number, number, number, number][] = [];
    const down: { scope: number; token: number; d: TokenDelta }[] = [];
    scopes.forEach((scope, si) => {
      const map = this.tokens.get(scope) as Map<number, TokenDelta>;
      for (const token of [...map.keys()].sort((a, b) => a - b)) {
        const d = map.get(token) as TokenDelta;
        if (d.spam === 0 && d.ham === 0 && !d.touched) continue;
        if (d.spam >= 0 && d.ham >= 0 && d.spam + d.ham > 0 && d.touched) up.push([si, token, d.spam, d.ham]);
        else down.push({ scope: si, token, d });
      }
    });
    if (this.manager.connection.options.type === 'postgres') await this.upsertPostgres(scopes, up);
    else {
      for (let i = 0; i < up.length; i += CHUNK) {
        const values = up.slice(i, i + CHUNK).map(([si, t, ds, dh]) => `(:s${si}, ${t}, ${ds}, ${dh}, :day)`);
        await queryRows(
          this.manager,
          `INSERT INTO bayes_token (scope, token, spam, ham, last_day) VALUES ${values.join(',')}
           ON CONFLICT (scope, token) DO UPDATE SET spam = bayes_token.spam + excluded.spam,
             ham = bayes_token.ham + excluded.ham, last_day = excluded.last_day`,
          params,
        );
      }
    }
    for (let i = 0; i < down.length; i += CHUNK) {
      const part = down.slice(i, i + CHUNK);
      // A token counted up and down in this batch may not exist yet; a pure decrement of a missing row is a no-op
      // (the row is created at 0/0 and deleted below, as TypeOrmBayesStore's UPDATE would touch nothing).
      await queryRows(
        this.manager,
        `INSERT INTO bayes_token (scope, token, spam, ham, last_day) VALUES ${part
          .map((r) => `(:s${r.scope}, ${r.token}, 0, 0, :day)`)
          .join(',')} ON CONFLICT (scope, token) DO NOTHING`,
        params,
      );
      const values = part
        .map((r) => `(:s${r.scope}, ${r.token}, ${r.d.spam}, ${r.d.ham}, ${r.d.touched ? 1 : 0})`)
        .join(',');
      await queryRows(
        this.manager,
        `WITH v (scope, token, ds, dh, up) AS (VALUES ${values})
         UPDATE bayes_token SET
           spam = CASE WHEN bayes_token.spam + v.ds > 0 THEN bayes_token.spam + v.ds ELSE 0 END,
           ham = CASE WHEN bayes_token.ham + v.dh > 0 THEN bayes_token.ham + v.dh ELSE 0 END,
           last_day = CASE WHEN v.up = 1 THEN :day ELSE bayes_token.last_day END
         FROM v WHERE bayes_token.scope = v.scope AND bayes_token.token = v.token`,
        params,
      );
      // A token no message supports any more disappears, so undo restores the table exactly.
      const byScope = new Map<number, number[]>();
      for (const r of part) byScope.set(r.scope, [...(byScope.get(r.scope) ?? []), r.token]);
      const where = [...byScope]
        .map(([s, tokens]) => `(scope = :s${s} AND token IN (${tokens.join(',')}))`)
        .join(' OR ');
      await queryRows(
        this.manager,
        `DELETE FROM bayes_token WHERE spam = 0 AND ham = 0 AND (${where})`,
        params,
      );
    }
  }

  /**
   * PostgreSQL: the increments as four integer arrays (unnest) instead of a VALUES list — a batch has ~100k
   * (scope, token) rows, and parsing/planning a literal list of that size costs more than the writes.
   */
  private async upsertPostgres(
    scopes: readonly string[],
    rows: readonly [number, number, number, number][],
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += UNNEST_CHUNK) {
      const part = rows.slice(i, i + UNNEST_CHUNK);
      await this.manager.query(
        `INSERT INTO bayes_token (scope, token, spam, ham, last_day)
         SELECT ($1::varchar[])[u.i + 1], u.t, u.s, u.h, $6::integer
           FROM unnest($2::integer[], $3::integer[], $4::integer[], $5::integer[]) AS u (i, t, s, h)
         ON CONFLICT (scope, token) DO UPDATE SET spam = bayes_token.spam + excluded.spam,
           ham = bayes_token.ham + excluded.ham, last_day = excluded.last_day`,
        [
          scopes,
          part.map((r) => r[0]),
          part.map((r) => r[1]),
          part.map((r) => r[2]),
          part.map((r) => r[3]),
          this.day,
        ],
      );
    }
  }

  private async flushTotals(): Promise<void> {
    const scopes = [...this.totalsDelta.keys()].sort();
    if (scopes.length === 0) return;
    const params: Record<string, unknown> = {};
    scopes.forEach((s, i) => (params[`s${i}`] = s));
    await queryRows(
      this.manager,
      `INSERT INTO bayes_scope (scope, spam, ham) VALUES ${scopes.map((_, i) => `(:s${i}, 0, 0)`).join(',')}
       ON CONFLICT (scope) DO NOTHING`,
      params,
    );
    const values = scopes
      .map((s, i) => {
        const d = this.totalsDelta.get(s) as { spam: number; ham: number };
        return `(:s${i}, ${d.spam}, ${d.ham})`;
      })
      .join(',');
    await queryRows(
      this.manager,
      `WITH v (scope, ds, dh) AS (VALUES ${values})
       UPDATE bayes_scope SET
         spam = CASE WHEN bayes_scope.spam + v.ds > 0 THEN bayes_scope.spam + v.ds ELSE 0 END,
         ham = CASE WHEN bayes_scope.ham + v.dh > 0 THEN bayes_scope.ham + v.dh ELSE 0 END
       FROM v WHERE bayes_scope.scope = v.scope`,
      params,
    );
    for (const s of scopes) this.baseTotals.delete(s);
  }

  private async flushTrained(): Promise<void> {
    const deletes: { scope: string; fingerprint: string }[] = [];
    const upserts: { scope: string; fingerprint: string; t: Trained }[] = [];
    for (const [k, d] of this.dirty) {
      const t = this.trained.get(k) ?? null;
      if (t) upserts.push({ scope: d.scope, fingerprint: d.fingerprint, t });
      else if (d.existed) deletes.push(d);
    }
    for (let i = 0; i < deletes.length; i += KEY_CHUNK) {
      const params: Record<string, unknown> = {};
      const where = deletes
        .slice(i, i + KEY_CHUNK)
        .map((k, j) => {
          params[`s${j}`] = k.scope;
          params[`f${j}`] = k.fingerprint;
          return `(scope = :s${j} AND fingerprint = :f${j})`;
        })
        .join(' OR ');
      await queryRows(this.manager, `DELETE FROM bayes_trained WHERE ${where}`, params);
    }
    // 4 parameters a row: 400 rows stay far below both drivers' bind-parameter limits.
    for (let i = 0; i < upserts.length; i += KEY_CHUNK) {
      const params: Record<string, unknown> = {};
      const values = upserts
        .slice(i, i + KEY_CHUNK)
        .map((u, j) => {
          params[`s${j}`] = u.scope;
          params[`f${j}`] = u.fingerprint;
          params[`l${j}`] = u.t.label;
          params[`t${j}`] = JSON.stringify(u.t.tokens);
          return `(:s${j}, :f${j}, :l${j}, :t${j})`;
        })
        .join(',');
      await queryRows(
        this.manager,
        `INSERT INTO bayes_trained (scope, fingerprint, label, tokens) VALUES ${values}
         ON CONFLICT (scope, fingerprint) DO UPDATE SET label = excluded.label, tokens = excluded.tokens`,
        params,
      );
    }
  }
}
