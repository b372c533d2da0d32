import type { BayesStore, Label, ScopeTotals, ScopeView, TrainOutcome } from '@spamfilter/bayes';
import type { DataSource, EntityManager } from 'typeorm';
import { queryRows, runInTransaction } from '../transactions';

const DAY_MS = 86_400_000;
/** Tokens per statement (inlined integers, so no bind-parameter limit applies; this bounds statement size). */
const CHUNK = 2000;

/** libs/bayes token ids are unsigned 32-bit; the column is a signed integer. */
const toColumn = (id: number): number => id | 0;

function chunks(ids: readonly number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(ids.slice(i, i + CHUNK) as number[]);
  return out;
}

/** Distinct column values, ascending (one lock order for every writer: no deadlocks between learners). */
export function columnIds(tokens: ArrayLike<number>): number[] {
  // A typed array's own numeric sort: several times faster than Set + Array.sort with a comparator (the learner
  // calls this for every training).
  const a = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as number;
    if (!Number.isInteger(t)) throw new Error(`token id ${String(t)} is not an integer`);
    a[i] = toColumn(t);
  }
  a.sort();
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) out.push(a[i] as number);
  return out;
}

/**
 * The scope kept as token rows (bayes_token): the global one, shared and trained by everyone. Every other scope (a
 * user's) is kept as its trainings only (bayes_trained): its counts are the sum over them, so training a user's
 * message writes one row instead of one per token (bayes-tables.entity.ts).
 */
export function hasTokenRows(scope: string): boolean {
  return scope === 'global';
}

const isPostgres = (m: EntityManager): boolean => m.connection.options.type === 'postgres';

/** bayes_trained.tokens as the engine stores it: integer[] on PostgreSQL (pg takes the array), JSON text on SQLite. */
export function encodeTokens(m: EntityManager, ids: readonly number[]): unknown {
  return isPostgres(m) ? ids : JSON.stringify(ids);
}

export function decodeTokens(value: unknown): number[] {
  if (Array.isArray(value)) return value as number[];
  if (typeof value === 'string')
    return value.startsWith('{') ? parsePgArray(value) : (JSON.parse(value) as number[]);
  return [];
}

function parsePgArray(text: string): number[] {
  const inner = text.slice(1, -1);
  return inner === '' ? [] : inner.split(',').map(Number);
}

/** What one scope holds for a message: label and tokens (column values), or null. */
export interface TrainedRecord {
  readonly label: Label;
  readonly tokens: readonly number[];
}

/**
 * libs/bayes' BayesStore on PostgreSQL or SQLite. Built on an EntityManager: pass a transaction's manager and the
 * training commits (or rolls back) with the caller's other writes — the learner's processed_event row, so a
 * redelivered event never trains twice. Outside a transaction, `train` opens its own.
 * The global scope is token rows (bayes_token) plus its trainings; a user scope is its trainings only, summed at
 * read time (hasTokenRows).
 */
export class TypeOrmBayesStore implements BayesStore {
  constructor(private readonly manager: EntityManager) {}

  static of(dataSource: DataSource): TypeOrmBayesStore {
    return new TypeOrmBayesStore(dataSource.manager);
  }

  /**
   * One statement: the scopes' totals, the global scope's rows for these tokens and each user scope's counts of
   * them summed over its trainings (issue 3: one round trip per classification).
   */
  async lookup(scopes: readonly string[], tokens: Uint32Array): Promise<ScopeView[]> {
    if (scopes.length === 0) return [];
    // Counts aligned with the looked-up token array (0 = unknown), one pair of arrays per scope.
    const position = new Map<number, number[]>();
    for (let i = 0; i < tokens.length; i++) {
      const c = toColumn(tokens[i] as number);
      const list = position.get(c);
      if (list) list.push(i);
      else position.set(c, [i]);
    }
    const ids = [...position.keys()].sort((a, b) => a - b);
    const rowScopes = scopes.filter(hasTokenRows);
    const trainedScopes = scopes.filter((s) => !hasTokenRows(s));
    type Row = { scope: string; token: number | string | null; spam: number | string; ham: number | string };
    let rows: Row[];
    if (isPostgres(this.manager)) {
      rows = (await this.manager.query(
        `SELECT scope, NULL::integer AS token, spam, ham FROM bayes_scope WHERE scope = ANY($1::varchar[])
         UNION ALL
         SELECT scope, token, spam, ham FROM bayes_token WHERE scope = ANY($2::varchar[]) AND token = ANY($4::integer[])
         UNION ALL
         SELECT b.scope, u.t, COUNT(*) FILTER (WHERE b.label = 'spam'), COUNT(*) FILTER (WHERE b.label = 'ham')
           FROM bayes_trained b CROSS JOIN LATERAL unnest(b.tokens) AS u (t)
          WHERE b.scope = ANY($3::varchar[]) AND u.t = ANY($4::integer[])
          GROUP BY b.scope, u.t`,
        [[...scopes], rowScopes, trainedScopes, ids],
      )) as Row[];
    } else {
      const list = ids.join(',');
      const params: Record<string, unknown> = {};
      const names = (prefix: string, xs: readonly string[]): string =>
        xs
          .map((x, i) => {
            params[`${prefix}${i}`] = x;
            return `:${prefix}${i}`;
          })
          .join(',');
      const parts = [
        `SELECT scope, NULL AS token, spam, ham FROM bayes_scope WHERE scope IN (${names('a', scopes)})`,
      ];
      if (rowScopes.length && ids.length)
        parts.push(
          `SELECT scope, token, spam, ham FROM bayes_token WHERE scope IN (${names('r', rowScopes)}) AND token IN (${list})`,
        );
      if (trainedScopes.length && ids.length)
        parts.push(
          `SELECT b.scope, j.value, SUM(b.label = 'spam'), SUM(b.label = 'ham')
             FROM bayes_trained b, json_each(b.tokens) j
            WHERE b.scope IN (${names('t', trainedScopes)}) AND j.value IN (${list})
            GROUP BY b.scope, j.value`,
        );
      rows = await queryRows<Row>(this.manager, parts.join(' UNION ALL '), params);
    }
    const views = new Map(
      scopes.map((s) => [
        s,
        {
          totals: { spam: 0, ham: 0 },
          spam: new Uint32Array(tokens.length),
          ham: new Uint32Array(tokens.length),
        },
      ]),
    );
    for (const r of rows) {
      const v = views.get(r.scope);
      if (!v) continue;
      if (r.token === null) {
        v.totals = { spam: Number(r.spam), ham: Number(r.ham) };
        continue;
      }
      for (const i of position.get(Number(r.token)) ?? []) {
        v.spam[i] = Number(r.spam);
        v.ham[i] = Number(r.ham);
      }
    }
    return scopes.map((s) => views.get(s) as ScopeView);
  }

  train(
    scope: string,
    fingerprint: string,
    tokens: Uint32Array,
    label: Label | null,
    now: Date,
  ): Promise<TrainOutcome> {
    if (this.manager.queryRunner?.isTransactionActive)
      return this.trainIn(this.manager, scope, fingerprint, tokens, label, now);
    return runInTransaction(this.manager.connection, (m) =>
      this.trainIn(m, scope, fingerprint, tokens, label, now),
    );
  }

  async trainedLabel(scope: string, fingerprint: string): Promise<Label | null> {
    const rows = await queryRows<{ label: Label }>(
      this.manager,
      'SELECT label FROM bayes_trained WHERE scope = :scope AND fingerprint = :fingerprint',
      {
        scope,
        fingerprint,
      },
    );
    return rows[0]?.label ?? null;
  }

  /** The message's record in the scope (label and the tokens it added), or null. */
  async trained(scope: string, fingerprint: string): Promise<TrainedRecord | null> {
    const [row] = await queryRows<{ label: Label; tokens: unknown }>(
      this.manager,
      'SELECT label, tokens FROM bayes_trained WHERE scope = :scope AND fingerprint = :fingerprint',
      { scope, fingerprint },
    );
    return row ? { label: row.label, tokens: decodeTokens(row.tokens) } : null;
  }

  /** The scope's `count` oldest trainings (fingerprints), oldest first. */
  async oldest(scope: string, count: number): Promise<string[]> {
    if (count <= 0) return [];
    const rows = await queryRows<{ fingerprint: string }>(
      this.manager,
      'SELECT fingerprint FROM bayes_trained WHERE scope = :scope ORDER BY trained_at, fingerprint LIMIT :count',
      { scope, count },
    );
    return rows.map((r) => r.fingerprint);
  }

  /**
   * Global scope: expires rare tokens as the BayesStore port says. A user scope has no token rows (its size is bounded
   * by the learner's per-user cap on trainings, LEARNER_USER_MAX_TRAININGS), so nothing is deleted there.
   */
  async prune(scope: string, olderThan: Date, maxCount: number): Promise<number> {
    if (!hasTokenRows(scope)) return 0;
    const day = Math.floor(olderThan.getTime() / DAY_MS);
    const rows = await queryRows<{ token: number }>(
      this.manager,
      'DELETE FROM bayes_token WHERE scope = :scope AND last_day < :day AND spam + ham <= :maxCount RETURNING token',
      { scope, day, maxCount },
    );
    return rows.length;
  }

  async totals(scope: string): Promise<ScopeTotals> {
    const rows = await queryRows<{ spam: number; ham: number }>(
      this.manager,
      'SELECT spam, ham FROM bayes_scope WHERE scope = :scope',
      { scope },
    );
    return rows[0] ? { spam: Number(rows[0].spam), ham: Number(rows[0].ham) } : { spam: 0, ham: 0 };
  }

  private async trainIn(
    m: EntityManager,
    scope: string,
    fingerprint: string,
    tokens: Uint32Array,
    label: Label | null,
    now: Date,
  ): Promise<TrainOutcome> {
    const lock = isPostgres(m) ? ' FOR UPDATE' : '';
    const [row] = await queryRows<{ label: Label; tokens: unknown }>(
      m,
      `SELECT label, tokens FROM bayes_trained WHERE scope = :scope AND fingerprint = :fingerprint${lock}`,
      { scope, fingerprint },
    );
    const previous = row ? { label: row.label, tokens: decodeTokens(row.tokens) } : null;
    if (label === null) {
      if (!previous) return 'absent';
      await this.count(m, scope, previous.tokens, previous.label, -1, now);
      await queryRows(m, 'DELETE FROM bayes_trained WHERE scope = :scope AND fingerprint = :fingerprint', {
        scope,
        fingerprint,
      });
      return 'unlearned';
    }
    if (previous?.label === label) return 'unchanged';
    if (previous) await this.count(m, scope, previous.tokens, previous.label, -1, now);
    const ids = columnIds(tokens);
    await this.count(m, scope, ids, label, 1, now);
    const stored = encodeTokens(m, ids);
    if (previous) {
      await queryRows(
        m,
        'UPDATE bayes_trained SET label = :label, tokens = :stored, trained_at = :now WHERE scope = :scope AND fingerprint = :fingerprint',
        { label, stored, now, scope, fingerprint },
      );
      return 'corrected';
    }
    await queryRows(
      m,
      'INSERT INTO bayes_trained (scope, fingerprint, label, tokens, trained_at) VALUES (:scope, :fingerprint, :label, :stored, :now)',
      { scope, fingerprint, label, stored, now },
    );
    return 'learned';
  }

  /** Adds (±1) one message of class `label` with these tokens (column values) to the scope's totals and token rows. */
  private async count(
    m: EntityManager,
    scope: string,
    ids: readonly number[],
    label: Label,
    delta: 1 | -1,
    now: Date,
  ): Promise<void> {
    const ds = label === 'spam' ? delta : 0;
    const dh = label === 'ham' ? delta : 0;
    await queryRows(
      m,
      `INSERT INTO bayes_scope (scope, spam, ham) VALUES (:scope, :ps, :ph)
       ON CONFLICT (scope) DO UPDATE SET spam = CASE WHEN bayes_scope.spam + :ds > 0 THEN bayes_scope.spam + :ds ELSE 0 END,
                                         ham = CASE WHEN bayes_scope.ham + :dh > 0 THEN bayes_scope.ham + :dh ELSE 0 END`,
      { scope, ps: Math.max(0, ds), ph: Math.max(0, dh), ds, dh },
    );
    if (!hasTokenRows(scope)) return;
    const day = Math.floor(now.getTime() / DAY_MS);
    const column = label === 'spam' ? 'spam' : 'ham';
    for (const part of ids.length ? chunks(ids) : []) {
      if (delta > 0) {
        const values = part.map((t) => `(:scope, ${t}, ${ds}, ${dh}, :day)`).join(',');
        await queryRows(
          m,
          `INSERT INTO bayes_token (scope, token, spam, ham, last_day) VALUES ${values}
           ON CONFLICT (scope, token) DO UPDATE SET spam = bayes_token.spam + excluded.spam, ham = bayes_token.ham + excluded.ham, last_day = excluded.last_day`,
          { scope, day },
        );
      } else {
        const list = part.join(',');
        await queryRows(
          m,
          `UPDATE bayes_token SET ${column} = CASE WHEN ${column} > 0 THEN ${column} - 1 ELSE 0 END WHERE scope = :scope AND token IN (${list})`,
          { scope },
        );
        // A token no message supports any more disappears, so undo restores the table exactly.
        await queryRows(
          m,
          `DELETE FROM bayes_token WHERE scope = :scope AND spam = 0 AND ham = 0 AND token IN (${list})`,
          { scope },
        );
      }
    }
  }
}
