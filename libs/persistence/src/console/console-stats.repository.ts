import { Inject, Injectable } from '@nestjs/common';
import type { Action, Direction } from '@spamfilter/domain';
import { DataSource } from 'typeorm';
import { queryRows } from '../transactions';

/** Messages of one time bucket, one direction and one action. */
export interface ActionBucketRow {
  /** Start of the bucket, seconds since the epoch (UTC). */
  readonly bucket: number;
  readonly direction: Direction;
  readonly action: Action;
  readonly count: number;
}

export interface SymbolCountRow {
  readonly name: string;
  readonly hits: number;
  /** The symbol's summed score over those hits. */
  readonly score: number;
}

export interface RefusedRow {
  readonly value: string;
  readonly count: number;
}

export interface MarkBucketRow {
  readonly bucket: number;
  readonly label: string;
  readonly kind: string;
  readonly count: number;
}

export interface MarkLagRow {
  readonly createdAt: Date;
  /** When the learner applied the mark (processed_event); null while it waits. */
  readonly processedAt: Date | null;
}

export interface OutboundSpamRow {
  readonly account: string;
  readonly count: number;
  /** outbound_account.status, null for an account without a row yet. */
  readonly status: string | null;
}

/** Actions that refuse a message (what the dashboard's "refused" lists count). */
export const REFUSING_ACTIONS: readonly Action[] = ['reject', 'block'];

/** Most messages whose symbols the dashboard counts: the newest of the range. */
export const SYMBOL_SAMPLE = 5_000;

/** Most mark rows read for the learner's lag: a bounded sample of the newest marks. */
export const MARK_LAG_SAMPLE = 2000;

/**
 * Read-only aggregates over the message log and the marks for the operators' dashboard. Every query is bounded by a
 * time range on an indexed column (scan_record.created_at, feedback_mark has no time index: its rows are few
 * compared with scans) and groups in the database; the bucket arithmetic is the engine's own (epoch seconds).
 */
@Injectable()
export class ConsoleStatsRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  private get postgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /** Epoch seconds of a timestamp column, floored to `bucketSeconds`, as an integer expression of the engine. */
  private bucketOf(column: string, bucketSeconds: number): string {
    const b = Math.max(1, Math.floor(bucketSeconds));
    return this.postgres
      ? `(FLOOR(EXTRACT(EPOCH FROM ${column}) / ${b}) * ${b})::bigint`
      : `((CAST(strftime('%s', ${column}) AS INTEGER) / ${b}) * ${b})`;
  }

  async actionsOverTime(since: Date, until: Date, bucketSeconds: number): Promise<ActionBucketRow[]> {
    const bucket = this.bucketOf('s.created_at', bucketSeconds);
    const rows = await queryRows<{
      bucket: string | number;
      direction: Direction;
      action: Action;
      count: string | number;
    }>(
      this.dataSource.manager,
      `SELECT ${bucket} AS bucket, s.direction AS direction, s.action AS action, COUNT(*) AS count
         FROM scan_record s WHERE s.created_at >= :since AND s.created_at < :until
        GROUP BY 1, 2, 3 ORDER BY 1`,
      { since, until },
    );
    return rows.map((r) => ({
      bucket: Number(r.bucket),
      direction: r.direction,
      action: r.action,
      count: Number(r.count),
    }));
  }

  /**
   * The symbols most often reported on the newest SYMBOL_SAMPLE messages of the range (message-level symbols), with
   * their summed score. The symbols are JSON text, so each row is parsed: bounding the rows bounds the time (100,000
   * messages of a week took 1.5 s on PostgreSQL, the 14,000 of a day 0.4 s at load 9; bench/console). 5,000 messages
   * rank the common symbols the same way; a rare one shows in the message log.
   */
  async topSymbols(since: Date, until: Date, limit: number): Promise<SymbolCountRow[]> {
    const newest = `SELECT symbols FROM scan_record WHERE created_at >= :since AND created_at < :until
                     ORDER BY created_at DESC LIMIT ${SYMBOL_SAMPLE}`;
    const sql = this.postgres
      ? `SELECT e->>'name' AS name, COUNT(*) AS hits, SUM((e->>'score')::float) AS score
           FROM (${newest}) s CROSS JOIN LATERAL json_array_elements(s.symbols::json) e
          GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${Math.floor(limit)}`
      : `SELECT json_extract(e.value, '$.name') AS name, COUNT(*) AS hits, SUM(json_extract(e.value, '$.score')) AS score
           FROM (${newest}) s, json_each(s.symbols) e
          GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${Math.floor(limit)}`;
    const rows = await queryRows<{ name: string; hits: string | number; score: string | number | null }>(
      this.dataSource.manager,
      sql,
      { since, until },
    );
    return rows.map((r) => ({ name: r.name, hits: Number(r.hits), score: Number(r.score ?? 0) }));
  }

  /** The envelope senders or client IPs most often refused in the range. */
  async topRefused(by: 'sender' | 'ip', since: Date, until: Date, limit: number): Promise<RefusedRow[]> {
    const column = by === 'sender' ? 's.mail_from' : 's.client_ip';
    const rows = await queryRows<{ value: string; count: string | number }>(
      this.dataSource.manager,
      `SELECT ${column} AS value, COUNT(*) AS count FROM scan_record s
        WHERE s.created_at >= :since AND s.created_at < :until AND s.action IN (:...refusing)
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${Math.floor(limit)}`,
      { since, until, refusing: REFUSING_ACTIONS },
    );
    return rows.map((r) => ({ value: r.value, count: Number(r.count) }));
  }

  async marksOverTime(since: Date, until: Date, bucketSeconds: number): Promise<MarkBucketRow[]> {
    const bucket = this.bucketOf('m.created_at', bucketSeconds);
    const rows = await queryRows<{
      bucket: string | number;
      label: string | null;
      kind: string;
      count: string | number;
    }>(
      this.dataSource.manager,
      `SELECT ${bucket} AS bucket, m.label AS label, m.kind AS kind, COUNT(*) AS count
         FROM feedback_mark m WHERE m.created_at >= :since AND m.created_at < :until
        GROUP BY 1, 2, 3 ORDER BY 1`,
      { since, until },
    );
    return rows.map((r) => ({
      bucket: Number(r.bucket),
      label: r.label ?? '',
      kind: r.kind,
      count: Number(r.count),
    }));
  }

  /** The newest marks (at most MARK_LAG_SAMPLE) with the time the learner (`consumer`) applied each. */
  async markLag(since: Date, consumer: string): Promise<MarkLagRow[]> {
    const rows = await queryRows<{ created_at: Date | string; processed_at: Date | string | null }>(
      this.dataSource.manager,
      `SELECT m.created_at AS created_at, p.processed_at AS processed_at
         FROM feedback_mark m LEFT JOIN processed_event p ON p.consumer = :consumer AND p.event_id = m.event_id
        WHERE m.created_at >= :since ORDER BY m.created_at DESC LIMIT ${MARK_LAG_SAMPLE}`,
      { since, consumer },
    );
    return rows.map((r) => ({
      createdAt: this.date(r.created_at),
      processedAt: r.processed_at === null ? null : this.date(r.processed_at),
    }));
  }

  /** Outbound spam verdicts (hold, reject) per authenticated account since `since`, most first. */
  async outboundSpamSince(since: Date, limit: number): Promise<OutboundSpamRow[]> {
    const rows = await queryRows<{ account: string; count: string | number; status: string | null }>(
      this.dataSource.manager,
      `SELECT s.auth_user AS account, COUNT(*) AS count, MAX(a.status) AS status
         FROM scan_record s LEFT JOIN outbound_account a ON a.address = s.auth_user
        WHERE s.created_at >= :since AND s.direction = 'outbound' AND s.auth_user IS NOT NULL
          AND s.action IN ('hold', 'reject')
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${Math.floor(limit)}`,
      { since },
    );
    return rows.map((r) => ({ account: r.account, count: Number(r.count), status: r.status }));
  }

  /** Raw rows skip entity hydration: SQLite returns its stored text (UTC), PostgreSQL a Date (pinned to UTC). */
  private date(v: Date | string): Date {
    if (v instanceof Date) return v;
    return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v.replace(' ', 'T')}Z`);
  }
}
