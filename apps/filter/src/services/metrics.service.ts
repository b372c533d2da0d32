import type { ModelChangeEvent } from '@spamfilter/domain';
import {
  counterReadOnScrape,
  gaugeReadOnScrape,
  LabelledHistogram,
  type Sample,
} from '@spamfilter/observability';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AnalysisStats } from '../analysis/message-analysis';
import type { DnsStats } from './dns/dns-resolver';
import type { DependencyHealth } from './health.service';
import type { QuarantineSize } from './quarantine.store';

/**
 * What other components count themselves and /metrics reads on scrape (FilterServices and the launcher bind them):
 * their hot paths add to a plain field, no metric call.
 */
export interface MetricSources {
  readonly dns?: () => DnsStats;
  readonly analysis?: () => AnalysisStats;
  readonly quarantine?: () => Promise<QuarantineSize>;
  /** Outbound accounts this process blocked automatically (AutoBlockService). */
  readonly autoBlocks?: () => number;
  /** /health's dependency states. */
  readonly dependencies?: () => Promise<Readonly<Record<string, DependencyHealth>>>;
}

/** How long a quarantine size read is reused: every filter pod is scraped, the count is one table scan each time. */
const QUARANTINE_SIZE_CACHE_MS = 60_000;

/** Prometheus metrics of one filter instance (GET /metrics). One registry per app, so tests can run several. */
export class MetricsService {
  readonly registry = new Registry();
  readonly scans = new Counter({
    name: 'spamfilter_scans_total',
    help: 'Scans answered, by overall action',
    labelNames: ['action', 'direction'],
    registers: [this.registry],
  });
  readonly scanErrors = new Counter({
    name: 'spamfilter_scan_rejected_total',
    help: 'Scan requests refused (4xx), by status',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'spamfilter_scan_duration_seconds',
    help: 'Time from request body received to verdict',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly checkOutcomes = new Counter({
    name: 'spamfilter_check_outcomes_total',
    help: 'Check runs by outcome',
    labelNames: ['check', 'status'],
    registers: [this.registry],
  });
  // Observed for every check of every scan: LabelledHistogram, not prom-client's (0.5 µs an observation).
  readonly checkDuration = new LabelledHistogram(
    'spamfilter_check_duration_seconds',
    'Time each check took in a scan, by check (the checks run concurrently; a check that timed out counts its budget)',
    'check',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    [this.registry],
  );
  readonly dnsblErrors = new Counter({
    name: 'spamfilter_dnsbl_errors_total',
    help: 'DNSBL answers that are error codes (127.255.255.x, outside 127/8), not listings, by zone and code',
    labelNames: ['zone', 'code'],
    registers: [this.registry],
  });
  readonly logDropped = new Counter({
    name: 'spamfilter_scan_log_dropped_total',
    help: 'Scan records dropped because the message log could not keep up',
    registers: [this.registry],
  });
  readonly quarantined = new Counter({
    name: 'spamfilter_quarantined_total',
    help: 'Copies kept in the quarantine instead of delivered (quarantined recipients, held outbound messages)',
    registers: [this.registry],
  });
  readonly quarantineErrors = new Counter({
    name: 'spamfilter_quarantine_errors_total',
    help: 'Scans answered 451 because their quarantined copies could not be stored',
    registers: [this.registry],
  });
  readonly quarantineSwept = new Counter({
    name: 'spamfilter_quarantine_expired_total',
    help: 'Quarantined copies deleted by the retention sweep',
    registers: [this.registry],
  });
  readonly released = new Counter({
    name: 'spamfilter_released_total',
    help: 'Messages the API re-injected with a redeemed ticket (quarantine releases, digests), by purpose',
    labelNames: ['purpose'] as const,
    registers: [this.registry],
  });
  readonly unauthorized = new Counter({
    name: 'spamfilter_unauthorized_requests_total',
    help: 'Requests refused for a missing or wrong FILTER_API_TOKEN',
    registers: [this.registry],
  });
  // SMTP AUTH abuse protection (auth-guard/): failures the MTA reported, lockouts started, AUTH attempts refused.
  readonly authFailures = new Counter({
    name: 'spamfilter_auth_failures_total',
    help: 'Failed SMTP AUTH password checks reported by the MTA',
    registers: [this.registry],
  });
  readonly authLockouts = new Counter({
    name: 'spamfilter_auth_lockouts_total',
    help: 'SMTP AUTH lockouts started, by reason (ip: one client failed too often; account: one account failed too often)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly authRefused = new Counter({
    name: 'spamfilter_auth_refused_total',
    help: 'SMTP AUTH attempts refused (454 4.7.0) during a lockout, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  // The feedback loop's far end: model and policy changes this instance applied, and how long after the mark.
  readonly modelChanges = new Counter({
    name: 'spamfilter_model_changes_applied_total',
    help: 'Model and policy changes (spamfilter.model.v1) this instance applied, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly markToEffect = new Histogram({
    name: 'spamfilter_mark_to_effect_seconds',
    help: "From a user's mark (accepted by the API) to this instance applying the model change it caused: the next scan sees it",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  private sources: MetricSources = {};
  /** Symbol hits by name, counted in a plain map on the scan path and read on scrape (as the check latencies). */
  private readonly symbolCounts = new Map<string, number>();

  private readonly mounted: Registry[] = [];

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    const dns = (pick: (s: DnsStats) => number) => () => (this.sources.dns ? pick(this.sources.dns()) : null);
    counterReadOnScrape({
      name: 'spamfilter_dns_queries_total',
      help: 'DNS queries sent (answers from the cache are not queries)',
      registers,
      read: dns((s) => s.queries),
    });
    counterReadOnScrape({
      name: 'spamfilter_dns_timeouts_total',
      help: 'DNS queries with no answer within DNS_TIMEOUT_MS (the check goes on without it)',
      registers,
      read: dns((s) => s.timeouts),
    });
    counterReadOnScrape({
      name: 'spamfilter_dns_failures_total',
      help: 'DNS queries that failed otherwise (SERVFAIL, REFUSED, a malformed answer); "no such record" is an answer, not a failure',
      registers,
      read: dns((s) => s.failures),
    });
    counterReadOnScrape({
      name: 'spamfilter_analysis_fallbacks_total',
      help: 'Messages analysed on the main thread although SCAN_THREADS > 0 (threads not started yet, all busy, one failed, died or hung)',
      registers,
      read: () => {
        const s = this.sources.analysis?.();
        return s ? (s.threads > 0 ? s.inline : 0) : null;
      },
    });
    counterReadOnScrape({
      name: 'spamfilter_analysis_thread_restarts_total',
      help: 'Analysis threads replaced after dying or hanging',
      registers,
      read: () => this.sources.analysis?.().restarts ?? null,
    });
    const quarantine = cached(
      QUARANTINE_SIZE_CACHE_MS,
      () => this.sources.quarantine?.() ?? Promise.resolve(null),
    );
    // The same table for every process: FILTER_WORKERS' values are combined by max, not added.
    gaugeReadOnScrape({
      name: 'spamfilter_quarantine_messages',
      help: 'Copies held in the quarantine now (read at most once a minute)',
      registers,
      aggregator: 'max',
      read: async () => (await quarantine())?.copies ?? null,
    });
    gaugeReadOnScrape({
      name: 'spamfilter_quarantine_bytes',
      help: 'Bytes of the copies held in the quarantine now (read at most once a minute)',
      registers,
      aggregator: 'max',
      read: async () => (await quarantine())?.bytes ?? null,
    });
    counterReadOnScrape({
      name: 'spamfilter_outbound_auto_blocks_total',
      help: 'Outbound accounts this instance blocked automatically (OUTBOUND_AUTO_BLOCK_*)',
      registers,
      read: () => this.sources.autoBlocks?.() ?? null,
    });
    counterReadOnScrape<'symbol'>({
      name: 'spamfilter_symbol_hits_total',
      help: 'Scans in which a check reported the symbol (once per scan), by symbol',
      labelNames: ['symbol'],
      registers,
      read: () => [...this.symbolCounts].map(([symbol, value]) => ({ labels: { symbol }, value })),
    });
    gaugeReadOnScrape<'dependency'>({
      name: 'spamfilter_dependency_up',
      help: 'Whether a dependency answers, as /health reports it (1 up or embedded, 0 down or degraded; dependencies that are off have no series)',
      labelNames: ['dependency'],
      registers,
      aggregator: 'min',
      read: async () =>
        this.sources.dependencies ? dependencySamples(await this.sources.dependencies()) : null,
    });
  }

  /** Binds sources read on scrape; a later call adds to (or replaces) earlier ones. */
  readFrom(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  observeCheck(check: string, seconds: number): void {
    this.checkDuration.observe(check, seconds);
  }

  countSymbol(symbol: string): void {
    this.symbolCounts.set(symbol, (this.symbolCounts.get(symbol) ?? 0) + 1);
  }

  /**
   * A model or policy change was applied to this instance's caches; `markedAt` (the learner sets it on changes a
   * mark caused) gives mark → effect. A negative difference is clock skew between hosts and counts as 0.
   */
  modelChangeApplied(event: Pick<ModelChangeEvent, 'kind' | 'markedAt'>, now = Date.now()): void {
    this.modelChanges.inc({ kind: event.kind });
    const marked = event.markedAt ? Date.parse(event.markedAt) : Number.NaN;
    if (Number.isFinite(marked)) this.markToEffect.observe(Math.max(0, now - marked) / 1000);
  }

  /** Serves another component's registry on the same /metrics (the event bus's dead-letter counters). */
  mount(registry: Registry): void {
    this.mounted.push(registry);
  }

  /** This registry and every mounted one. */
  registries(): Registry[] {
    return [this.registry, ...this.mounted];
  }

  /** What GET /metrics answers; FILTER_WORKERS > 1 replaces it with every worker's totals (workers.ts). */
  text: () => Promise<string> = () =>
    this.mounted.length === 0 ? this.registry.metrics() : Registry.merge(this.registries()).metrics();
}

function dependencySamples(deps: Readonly<Record<string, DependencyHealth>>): Sample<'dependency'>[] {
  return Object.entries(deps)
    .filter(([, d]) => d.state !== 'off')
    .map(([dependency, d]) => ({
      labels: { dependency },
      value: d.state === 'up' || d.state === 'embedded' ? 1 : 0,
    }));
}

/** Reuses a successful read for `ms`; a failed one is retried at the next call. */
function cached<T>(ms: number, read: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | null = null;
  return () => {
    const now = Date.now();
    if (last && now - last.at < ms) return last.value;
    const value = read();
    last = { at: now, value };
    value.catch(() => {
      last = null;
    });
    return value;
  };
}
