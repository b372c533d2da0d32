import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one filter instance (GET /metrics). One registry per app, so tests can run several. */
export class MetricsService {
  readonly registry = new Registry();
  readonly scans = new Counter({ name: 'spamfilter_scans_total', help: 'Scans answered, by overall action', labelNames: ['action', 'direction'], registers: [this.registry] });
  readonly scanErrors = new Counter({ name: 'spamfilter_scan_rejected_total', help: 'Scan requests refused (4xx), by status', labelNames: ['status'], registers: [this.registry] });
  readonly duration = new Histogram({
    name: 'spamfilter_scan_duration_seconds',
    help: 'Time from request body received to verdict',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly checkOutcomes = new Counter({ name: 'spamfilter_check_outcomes_total', help: 'Check runs by outcome', labelNames: ['check', 'status'], registers: [this.registry] });
  readonly dnsblErrors = new Counter({
    name: 'spamfilter_dnsbl_errors_total',
    help: 'DNSBL answers that are error codes (127.255.255.x, outside 127/8), not listings, by zone and code',
    labelNames: ['zone', 'code'],
    registers: [this.registry],
  });
  readonly logDropped = new Counter({ name: 'spamfilter_scan_log_dropped_total', help: 'Scan records dropped because the message log could not keep up', registers: [this.registry] });
  readonly quarantined = new Counter({ name: 'spamfilter_quarantined_total', help: 'Recipient copies kept in the quarantine instead of delivered', registers: [this.registry] });
  readonly quarantineErrors = new Counter({ name: 'spamfilter_quarantine_errors_total', help: 'Scans answered 451 because their quarantined copies could not be stored', registers: [this.registry] });
  readonly quarantineSwept = new Counter({ name: 'spamfilter_quarantine_expired_total', help: 'Quarantined copies deleted by the retention sweep', registers: [this.registry] });
  readonly unauthorized = new Counter({ name: 'spamfilter_unauthorized_requests_total', help: 'Requests refused for a missing or wrong FILTER_API_TOKEN', registers: [this.registry] });
  // SMTP AUTH abuse protection (auth-guard/): failures the MTA reported, lockouts started, AUTH attempts refused.
  readonly authFailures = new Counter({ name: 'spamfilter_auth_failures_total', help: 'Failed SMTP AUTH password checks reported by the MTA', registers: [this.registry] });
  readonly authLockouts = new Counter({ name: 'spamfilter_auth_lockouts_total', help: 'SMTP AUTH lockouts started, by reason (ip: one client failed too often; account: one account failed too often)', labelNames: ['reason'], registers: [this.registry] });
  readonly authRefused = new Counter({ name: 'spamfilter_auth_refused_total', help: 'SMTP AUTH attempts refused (454 4.7.0) during a lockout, by reason', labelNames: ['reason'], registers: [this.registry] });

  private readonly mounted: Registry[] = [];

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }

  /** Serves another component's registry on the same /metrics (the event bus's dead-letter counters). */
  mount(registry: Registry): void {
    this.mounted.push(registry);
  }

  /** The exposition text of this registry and every mounted one. */
  text(): Promise<string> {
    return this.mounted.length === 0 ? this.registry.metrics() : Registry.merge([this.registry, ...this.mounted]).metrics();
  }
}
