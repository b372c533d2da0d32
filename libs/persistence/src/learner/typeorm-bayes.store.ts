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
function columnIds(tokens: ArrayLike<number>): number[] {
  const set = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as number;
    if (!Number.isInteger(t)) throw new Error(`token id ${String(t)} is not an integer`);
    set.add(toColumn(t));
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * libs/bayes' BayesStore on PostgreSQL or SQLite. Built on an EntityManager: pass a transaction's manager and the
 * training commits (or rolls back) with the caller's other writes — the learner's processed_event row, so a
 * redelivered event never trains twice. Outside a transaction, `train` opens its own.
 */
export class TypeOrmBayesStore implements BayesStore {
  constructor(private readonly manager: EntityManager) {}

  static of(dataSource: DataSource): TypeOrmBayesStore {
    return new TypeOrmBayesStore(dataSource.manager);
  }

  async lookup(scopes: readonly string[], tokens: Uint32Array): Promise<ScopeView[]> {
    if (scopes.length === 0) return [];
    const totals = await queryRows<{ scope: string; spam: number; ham: number }>(
      this.manager,
      'SELECT scope, spam, ham FROM bayes_scope WHERE scope IN (:...scopes)',
      { scopes: [...scopes] },
    );
    // Counts aligned with the looked-up token array (0 = unknown), one pair of arrays per scope.
    const position = new Map<number, number[]>();
    for (let i = 0; i < tokens.length; i++) {
      const c = toColumn(tokens[i] as number);
      const list = position.get(c);
      if (list) list.push(i);
      else position.set(c, [i]);
    }
    const views = new Map(
      scopes.map((s) => [s, { spam: new Uint32Array(tokens.length), ham: new Uint32Array(tokens.length) }]),
    );
    const ids = [...position.keys()].sort((a, b) => a - b);
    for (const part of ids.length ? chunks(ids) : []) {
      const rows = await queryRows<{ scope: string; token: number | string; spam: number; ham: number }>(
        this.manager,
        `SELECT scope, token, spam, ham FROM bayes_token WHERE scope IN (:...scopes) AND token IN (${part.join(',')})`,
        { scopes: [...scopes] },
      );
      for (const r of rows) {
        const v = views.get(r.scope);
        if (!v) continue;
        for (const i of position.get(Number(r.token)) ?? []) {
          v.spam[i] = Number(r.spam);
          v.ham[i] = Number(r.ham);
        }
      }
    }
    const totalOf = new Map(totals.map((t) => [t.scope, { spam: Number(t.spam), ham: Number(t.ham) }]));
    return scopes.map((s) => {
      const v = views.get(s) ?? { spam: new Uint32Array(tokens.length), ham: new Uint32Array(tokens.length) };
      return { totals: totalOf.get(s) ?? { spam: 0, ham: 0 }, spam: v.spam, ham: v.ham };
    });
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

  async prune(scope: string, olderThan: Date, maxCount: number): Promise<number> {
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
    const lock = m.connection.options.type === 'postgres' ? ' FOR UPDATE' : '';
    const [previous] = await queryRows<{ label: Label; tokens: string | number[] }>(
      m,
      `SELECT label, tokens FROM bayes_trained WHERE scope = :scope AND fingerprint = :fingerprint${lock}`,
      { scope, fingerprint },
    );
    const previousTokens = previous
      ? typeof previous.tokens === 'string'
        ? (JSON.parse(previous.tokens) as number[])
        : previous.tokens
      : [];
    if (label === null) {
      if (!previous) return 'absent';
      await this.count(m, scope, previousTokens, previous.label, -1, now);
      await queryRows(m, 'DELETE FROM bayes_trained WHERE scope = :scope AND fingerprint = :fingerprint', {
        scope,
        fingerprint,
      });
      return 'unlearned';
    }
    if (previous?.label === label) return 'unchanged';
    if (previous) await this.count(m, scope, previousTokens, previous.label, -1, now);
    const ids = columnIds(tokens);
    await this.count(m, scope, ids, label, 1, now);
    const stored = JSON.stringify(ids);
    if (previous) {
      await queryRows(
        m,
        'UPDATE bayes_trained SET label = :label, tokens = :stored WHERE scope = :scope AND fingerprint = :fingerprint',
        { label, stored, scope, fingerprint },
      );
      return 'corrected';
    }
    await queryRows(
      m,
      'INSERT INTO bayes_trained (scope, fingerprint, label, tokens) VALUES (:scope, :fingerprint, :label, :stored)',
      { scope, fingerprint, label, stored },
    );
    return 'learned';
  }

  /** Adds (±1) one message of class `label` with these tokens (column values) to the scope. */
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
