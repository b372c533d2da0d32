import { ACTIONS, type Action } from '@spamfilter/domain';
import type { ActionBucketRow, MarkBucketRow, MarkLagRow, OutboundSpamRow } from '@spamfilter/persistence';
import type { DashboardView } from './console.dto';

/*
 * The dashboard's shape from the repository's grouped rows, as pure functions: every bucket of the range appears
 * (a quiet hour is a zero, not a gap), lag percentiles come from the sampled marks.
 */

/** Bucket size for a range: 15 minutes up to 6 hours, hourly up to 3 days, then 6-hourly (≤ 120 buckets a chart). */
export function bucketMinutesFor(hours: number): number {
  if (hours <= 6) return 15;
  if (hours <= 72) return 60;
  return 360;
}

type Counts = Record<Action, number>;

function zeroCounts(): Counts {
  return Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Counts;
}

/** Bucket starts (epoch seconds) from the one holding `since` to the one holding `until` - 1 ms. */
export function bucketStarts(since: Date, until: Date, bucketSeconds: number): number[] {
  const first = Math.floor(since.getTime() / 1000 / bucketSeconds) * bucketSeconds;
  const last = Math.floor((until.getTime() - 1) / 1000 / bucketSeconds) * bucketSeconds;
  const out: number[] = [];
  for (let t = first; t <= last; t += bucketSeconds) out.push(t);
  return out;
}

export function actionSeries(
  rows: readonly ActionBucketRow[],
  starts: readonly number[],
): Pick<DashboardView, 'series' | 'totals'> {
  const byBucket = new Map(starts.map((t) => [t, { inbound: zeroCounts(), outbound: zeroCounts() }]));
  const totals = { inbound: zeroCounts(), outbound: zeroCounts() };
  for (const r of rows) {
    const b = byBucket.get(r.bucket);
    if (!b || !(r.action in totals[r.direction])) continue;
    b[r.direction][r.action] += r.count;
    totals[r.direction][r.action] += r.count;
  }
  return {
    series: starts.map((t) => ({ at: new Date(t * 1000).toISOString(), ...byBucket.get(t)! })),
    totals,
  };
}

export function markSeries(
  rows: readonly MarkBucketRow[],
  starts: readonly number[],
): DashboardView['marks'] {
  const byBucket = new Map(starts.map((t) => [t, { spam: 0, ham: 0, undo: 0 }]));
  for (const r of rows) {
    const b = byBucket.get(r.bucket);
    if (!b) continue;
    if (r.kind === 'undo') b.undo += r.count;
    else if (r.label === 'spam') b.spam += r.count;
    else if (r.label === 'ham') b.ham += r.count;
  }
  return starts.map((t) => ({ at: new Date(t * 1000).toISOString(), ...byBucket.get(t)! }));
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function learnerLag(rows: readonly MarkLagRow[], now: Date): DashboardView['learner'] {
  const lags = rows
    .filter((r) => r.processedAt !== null)
    .map((r) => Math.max(0, r.processedAt!.getTime() - r.createdAt.getTime()))
    .sort((a, b) => a - b);
  const pending = rows.filter((r) => r.processedAt === null);
  const oldest = pending.reduce<number | null>(
    (min, r) => (min === null || r.createdAt.getTime() < min ? r.createdAt.getTime() : min),
    null,
  );
  return {
    sampled: rows.length,
    pending: pending.length,
    oldestPendingSeconds: oldest === null ? null : Math.max(0, Math.round((now.getTime() - oldest) / 1000)),
    lagP50Ms: percentile(lags, 50),
    lagP95Ms: percentile(lags, 95),
    lagMaxMs: lags.length ? lags[lags.length - 1]! : null,
  };
}

/** Accounts with spam verdicts in the automatic-block window, the active ones closest to the threshold first. */
export function nearAutoBlock(
  rows: readonly OutboundSpamRow[],
  threshold: number,
): DashboardView['nearAutoBlock'] {
  return rows
    .map((r) => ({
      account: r.account,
      recentSpam: r.count,
      threshold,
      status: r.status === 'blocked' ? ('blocked' as const) : ('active' as const),
    }))
    .sort((a, b) => (a.status === b.status ? b.recentSpam - a.recentSpam : a.status === 'active' ? -1 : 1));
}
