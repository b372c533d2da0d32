import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import { ConsoleStatsRepository, SYMBOL_SAMPLE } from '@spamfilter/persistence';
import { API_APP_CONFIG } from '../api-config.token';
import { LEARNER_CONSUMER } from '../consumers/learner.service';
import type { DashboardQuery, DashboardView } from './console.dto';
import {
  actionSeries,
  bucketMinutesFor,
  bucketStarts,
  learnerLag,
  markSeries,
  nearAutoBlock,
} from './dashboard-view';

/** How long one computed dashboard is served again (several operators, or a page reloaded, cost one computation). */
const CACHE_MS = 15_000;

/** The operators' dashboard: what the filter did over the last hours, from the message log and the marks. */
@Injectable()
export class DashboardService {
  private readonly cache = new Map<string, { at: number; view: Promise<DashboardView> }>();

  constructor(
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
    private readonly stats: ConsoleStatsRepository,
  ) {}

  view(q: DashboardQuery, now = new Date()): Promise<DashboardView> {
    const key = `${q.hours}:${q.top}`;
    const hit = this.cache.get(key);
    if (hit && now.getTime() - hit.at < CACHE_MS) return hit.view;
    const view = this.compute(q, now);
    this.cache.set(key, { at: now.getTime(), view });
    view.catch(() => this.cache.delete(key));
    return view;
  }

  private async compute(q: DashboardQuery, now: Date): Promise<DashboardView> {
    const bucketMinutes = bucketMinutesFor(q.hours);
    const bucketSeconds = bucketMinutes * 60;
    const until = now;
    const since = new Date(now.getTime() - q.hours * 3_600_000);
    const starts = bucketStarts(since, until, bucketSeconds);
    // The first bucket starts before `since`: count it whole rather than showing a partial first bar.
    const from = new Date(starts[0]! * 1000);
    const window = new Date(now.getTime() - this.config.outbound.autoBlockWindowMs);
    const [actions, symbols, senders, ips, marks, lag, outbound] = await Promise.all([
      this.stats.actionsOverTime(from, until, bucketSeconds),
      this.stats.topSymbols(since, until, q.top),
      this.stats.topRefused('sender', since, until, q.top),
      this.stats.topRefused('ip', since, until, q.top),
      this.stats.marksOverTime(from, until, bucketSeconds),
      this.stats.markLag(since, LEARNER_CONSUMER),
      this.stats.outboundSpamSince(window, q.top),
    ]);
    const series = actionSeries(actions, starts);
    const inRange = [
      ...Object.values(series.totals.inbound),
      ...Object.values(series.totals.outbound),
    ].reduce((a, b) => a + b, 0);
    return {
      since: from.toISOString(),
      until: until.toISOString(),
      bucketMinutes,
      ...series,
      topSymbols: symbols,
      symbolsSampled: Math.min(SYMBOL_SAMPLE, inRange),
      topRefusedSenders: senders.map((r) => ({ sender: r.value, count: r.count })),
      topRefusedIps: ips.map((r) => ({ ip: r.value, count: r.count })),
      marks: markSeries(marks, starts),
      learner: learnerLag(lag, now),
      nearAutoBlock: nearAutoBlock(outbound, this.config.outbound.autoBlockSpamCount),
    };
  }
}
