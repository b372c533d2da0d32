import type { BayesStore, Label, ScopeTotals, ScopeView, TrainOutcome } from '@spamfilter/bayes';
import type { EntityManager } from 'typeorm';
import { queryRows } from '../transactions';
import {
  columnIds,
  decodeTokens,
  encodeTokens,
  hasTokenRows,
  TypeOrmBayesStore,
  type TrainedRecord,
} from './typeorm-bayes.store';

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
  /** Loads these scopes' totals in one query, so the batch's `totals` calls read no database. */
  prefetchTotals(scopes: readonly string[]): Promise<void>;
  /** Writes everything `train` accumulated: one upsert for all token counts, scope totals and trained records. */
  flush(): Promise<void>;
  /** The message's record in the scope as of this batch's trainings so far (label and tokens), or null. */
  trained(scope: string, fingerprint: string): Promise<TrainedRecord | null>;
  /**
   * The scope's `count` oldest trainings stored before this batch and not changed in it (their records loaded, so
   * `train(…, null)` on them reads no database): what a cap on a user's trainings removes first.
   */
  oldest(scope: string, count: number): Promise<string[]>;
}

export function isBatchBayesStore(store: BayesStore): store is BatchBayesStore {
  const s = store as Partial<BatchBayesStore>;
  return (
    typeof s.prefetch === 'function' &&
    typeof s.prefetchTotals === 'function' &&
    typeof s.flush === 'function'
  );
}

type Trained = TrainedRecord;

interface TokenDelta {
  spam: number;
  ham: number;
  /** Counted up in this batch: last_day moves to the batch's day (as a single training would). */
  touched: boolean;
}

/** `(scope = … AND fingerprint = …) OR …` for these (scope, fingerprint) pairs, as bind parameters. */
function keyPairsWhere(keys: readonly { readonly scope: string; readonly fingerprint: string }[]): {
  where: string;
  params: Record<string, unknown>;
} {
  const params: Record<string, unknown> = {};
  const where = keys
    .map((k, j) => {
      params[`s${j}`] = k.scope;
      params[`f${j}`] = k.fingerprint;
      return `(scope = :s${j} AND fingerprint = :f${j})`;
    })
    .join(' OR ');
  return { where, params };
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
  private readonly records = new Map<string, Trained | null>();
  /** Records whose row changed in this batch (written at flush). */
  private readonly dirty = new Map<string, { scope: string; fingerprint: string; existed: boolean }>();
  private readonly tokens = new Map<string, Map<number, TokenDelta>>();
  private readonly totalsDelta = new Map<string, { spam: number; ham: number }>();
  private readonly baseTotals = new Map<string, ScopeTotals>();
  /** When each record written in this batch was trained (bayes_trained.trained_at). */
  private readonly trainedAt = new Map<string, Date>();
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
    const wanted = keys.filter((k) => !this.records.has(key(k.scope, k.fingerprint)));
    if (wanted.length === 0) return;
    type Row = { scope: string; fingerprint: string; label: Label; tokens: unknown };
    const found: Row[] = [];
    if (this.manager.connection.options.type === 'postgres') {
      // The keys as two arrays joined to the primary key: one statement however many, locked until the commit.
      found.push(
        ...((await this.manager.query(
          `SELECT b.scope, b.fingerprint, b.label, b.tokens
             FROM bayes_trained b JOIN unnest($1::varchar[], $2::varchar[]) AS k (s, f)
               ON b.scope = k.s AND b.fingerprint = k.f
           ORDER BY b.scope, b.fingerprint FOR UPDATE OF b`,
          [wanted.map((k) => k.scope), wanted.map((k) => k.fingerprint)],
        )) as Row[]),
      );
    } else {
      for (let i = 0; i < wanted.length; i += KEY_CHUNK) {
        const { where, params } = keyPairsWhere(wanted.slice(i, i + KEY_CHUNK));
        found.push(
          ...(await queryRows<Row>(
            this.manager,
            `SELECT scope, fingerprint, label, tokens FROM bayes_trained WHERE ${where}`,
            params,
          )),
        );
      }
    }
    for (const k of wanted) this.records.set(key(k.scope, k.fingerprint), null);
    for (const r of found)
      this.records.set(key(r.scope, r.fingerprint), { label: r.label, tokens: decodeTokens(r.tokens) });
  }

  /** Loads the scopes' stored totals in one statement, so `totals` reads no database for them in this batch. */
  async prefetchTotals(scopes: readonly string[]): Promise<void> {
    const wanted = [...new Set(scopes)].filter((s) => !this.baseTotals.has(s));
    for (let i = 0; i < wanted.length; i += KEY_CHUNK) {
      const part = wanted.slice(i, i + KEY_CHUNK);
      const rows = await queryRows<{ scope: string; spam: number | string; ham: number | string }>(
        this.manager,
        'SELECT scope, spam, ham FROM bayes_scope WHERE scope IN (:...part)',
        { part },
      );
      for (const s of part) this.baseTotals.set(s, { spam: 0, ham: 0 });
      for (const r of rows) this.baseTotals.set(r.scope, { spam: Number(r.spam), ham: Number(r.ham) });
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
    if (!this.records.has(k)) await this.prefetch([{ scope, fingerprint }]);
    const previous = this.records.get(k) ?? null;
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
    this.trainedAt.set(k, now);
    return previous ? 'corrected' : 'learned';
  }

  async trained(scope: string, fingerprint: string): Promise<TrainedRecord | null> {
    const k = key(scope, fingerprint);
    if (!this.records.has(k)) await this.prefetch([{ scope, fingerprint }]);
    return this.records.get(k) ?? null;
  }

  async oldest(scope: string, count: number): Promise<string[]> {
    if (count <= 0) return [];
    const changed = new Set(
      [...this.dirty.values()].filter((d) => d.scope === scope).map((d) => d.fingerprint),
    );
    const lock = this.manager.connection.options.type === 'postgres' ? ' FOR UPDATE' : '';
    const rows = await queryRows<{ fingerprint: string; label: Label; tokens: unknown }>(
      this.manager,
      `SELECT fingerprint, label, tokens FROM bayes_trained WHERE scope = :scope
       ORDER BY trained_at, fingerprint LIMIT :limit${lock}`,
      { scope, limit: count + changed.size },
    );
    const out: string[] = [];
    for (const r of rows) {
      if (changed.has(r.fingerprint) || out.length >= count) continue;
      this.records.set(key(scope, r.fingerprint), { label: r.label, tokens: decodeTokens(r.tokens) });
      out.push(r.fingerprint);
    }
    return out;
  }

  trainedLabel(scope: string, fingerprint: string): Promise<Label | null> {
    const k = key(scope, fingerprint);
    if (this.records.has(k)) return Promise.resolve(this.records.get(k)?.label ?? null);
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
    // Rows no other learner writes first (trained records are per user and message; their locks were taken in
    // `prefetch`), the shared global token and total rows last: their locks are then held for the shortest time
    // before the commit, since concurrent learners (other partitions) queue on them.
    await this.flushTrained();
    await this.flushTokens();
    await this.flushTotals();
    this.tokens.clear();
    this.totalsDelta.clear();
    this.dirty.clear();
    this.trainedAt.clear();
  }

  private set(k: string, scope: string, fingerprint: string, value: Trained | null): void {
    const d = this.dirty.get(k);
    if (!d) this.dirty.set(k, { scope, fingerprint, existed: this.records.get(k) !== null });
    this.records.set(k, value);
  }

  private count(scope: string, ids: readonly number[], label: Label, delta: 1 | -1): void {
    const ds = label === 'spam' ? delta : 0;
    const dh = label === 'ham' ? delta : 0;
    const t = this.totalsDelta.get(scope) ?? { spam: 0, ham: 0 };
    t.spam += ds;
    t.ham += dh;
    this.totalsDelta.set(scope, t);
    // A user scope is its trainings (bayes_trained): no token rows to count.
    if (!hasTokenRows(scope)) return;
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
      const t = this.records.get(k) ?? null;
      if (t) upserts.push({ scope: d.scope, fingerprint: d.fingerprint, t });
      else if (d.existed) deletes.push(d);
    }
    for (let i = 0; i < deletes.length; i += KEY_CHUNK) {
      const { where, params } = keyPairsWhere(deletes.slice(i, i + KEY_CHUNK));
      await queryRows(this.manager, `DELETE FROM bayes_trained WHERE ${where}`, params);
    }
    if (upserts.length === 0) return;
    const at = (u: { scope: string; fingerprint: string }): Date =>
      this.trainedAt.get(key(u.scope, u.fingerprint)) ?? new Date(this.day * DAY_MS);
    if (this.manager.connection.options.type === 'postgres') {
      // One statement for the whole batch: columns as arrays, each token list as an array literal cast per row.
      await this.manager.query(
        `INSERT INTO bayes_trained (scope, fingerprint, label, tokens, trained_at)
         SELECT u.s, u.f, u.l, u.t::integer[], u.a
           FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], $5::timestamp[]) AS u (s, f, l, t, a)
         ON CONFLICT (scope, fingerprint) DO UPDATE SET label = excluded.label, tokens = excluded.tokens,
           trained_at = excluded.trained_at`,
        [
          upserts.map((u) => u.scope),
          upserts.map((u) => u.fingerprint),
          upserts.map((u) => u.t.label),
          upserts.map((u) => `{${u.t.tokens.join(',')}}`),
          upserts.map(at),
        ],
      );
      return;
    }
    // 5 parameters a row: 400 rows stay far below SQLite's bind-parameter limit.
    for (let i = 0; i < upserts.length; i += KEY_CHUNK) {
      const params: Record<string, unknown> = {};
      const values = upserts
        .slice(i, i + KEY_CHUNK)
        .map((u, j) => {
          params[`s${j}`] = u.scope;
          params[`f${j}`] = u.fingerprint;
          params[`l${j}`] = u.t.label;
          params[`t${j}`] = encodeTokens(this.manager, u.t.tokens);
          params[`a${j}`] = at(u);
          return `(:s${j}, :f${j}, :l${j}, :t${j}, :a${j})`;
        })
        .join(',');
      await queryRows(
        this.manager,
        `INSERT INTO bayes_trained (scope, fingerprint, label, tokens, trained_at) VALUES ${values}
         ON CONFLICT (scope, fingerprint) DO UPDATE SET label = excluded.label, tokens = excluded.tokens,
           trained_at = excluded.trained_at`,
        params,
      );
    }
  }
}
