import { MetricsService } from './metrics.service';

/** The value of one series in Prometheus' text format, or undefined when the series is absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('filter MetricsService', () => {
  it('reads DNS, analysis, quarantine, auto-block and dependency figures from their components on scrape', async () => {
    const m = new MetricsService();
    const dns = { queries: 0, timeouts: 0, failures: 0 };
    const analysis = { threads: 2, ready: 2, inline: 0, restarts: 0, gaveUp: false, lastError: null };
    m.readFrom({
      dns: () => dns,
      analysis: () => analysis,
      quarantine: () => Promise.resolve({ copies: 4, bytes: 9000 }),
      autoBlocks: () => 1,
      dependencies: () =>
        Promise.resolve({
          database: { state: 'up' },
          counters: { state: 'embedded' },
          bus: { state: 'down' },
          antivirus: { state: 'off' },
        }),
    });
    dns.queries = 12;
    dns.timeouts = 3;
    analysis.inline = 2;
    const text = await m.registry.metrics();
    expect(value(text, 'spamfilter_dns_queries_total')).toBe(12);
    expect(value(text, 'spamfilter_dns_timeouts_total')).toBe(3);
    expect(value(text, 'spamfilter_dns_failures_total')).toBe(0);
    expect(value(text, 'spamfilter_analysis_fallbacks_total')).toBe(2);
    expect(value(text, 'spamfilter_quarantine_messages')).toBe(4);
    expect(value(text, 'spamfilter_quarantine_bytes')).toBe(9000);
    expect(value(text, 'spamfilter_outbound_auto_blocks_total')).toBe(1);
    expect(value(text, 'spamfilter_dependency_up{dependency="database"}')).toBe(1);
    expect(value(text, 'spamfilter_dependency_up{dependency="counters"}')).toBe(1);
    expect(value(text, 'spamfilter_dependency_up{dependency="bus"}')).toBe(0);
    expect(text).not.toContain('dependency="antivirus"');
  });

  it('SCAN_THREADS=0 analyses everything inline by design: no fallbacks', async () => {
    const m = new MetricsService();
    m.readFrom({
      analysis: () => ({ threads: 0, ready: 0, inline: 50, restarts: 0, gaveUp: false, lastError: null }),
    });
    expect(value(await m.registry.metrics(), 'spamfilter_analysis_fallbacks_total')).toBe(0);
  });

  it('leaves out what has no source (DNS off, no outbound protection)', async () => {
    const text = await new MetricsService().registry.metrics();
    expect(value(text, 'spamfilter_dns_timeouts_total')).toBeUndefined();
    expect(value(text, 'spamfilter_outbound_auto_blocks_total')).toBeUndefined();
    expect(value(text, 'spamfilter_quarantine_messages')).toBeUndefined();
  });

  it('per-check latency and symbol hits by name', async () => {
    const m = new MetricsService();
    m.observeCheck('auth', 0.004);
    m.observeCheck('auth', 0.2);
    m.countSymbol('SPF_FAIL');
    m.countSymbol('SPF_FAIL');
    const text = await m.registry.metrics();
    expect(value(text, 'spamfilter_check_duration_seconds_count{check="auth"}')).toBe(2);
    expect(value(text, 'spamfilter_check_duration_seconds_bucket{le="0.005",check="auth"}')).toBe(1);
    expect(value(text, 'spamfilter_symbol_hits_total{symbol="SPF_FAIL"}')).toBe(2);
  });

  it("mark → effect from the change's markedAt; skew counts as 0, a change no mark caused is only counted", async () => {
    const m = new MetricsService();
    const now = Date.parse('2025-01-01T00:00:10.000Z');
    m.modelChangeApplied({ kind: 'bayes', markedAt: '2025-01-01T00:00:09.250Z' }, now);
    m.modelChangeApplied({ kind: 'lists', markedAt: '2025-01-01T00:00:11.000Z' }, now);
    m.modelChangeApplied({ kind: 'policy' }, now);
    const text = await m.registry.metrics();
    expect(value(text, 'spamfilter_mark_to_effect_seconds_count')).toBe(2);
    expect(value(text, 'spamfilter_mark_to_effect_seconds_sum')).toBeCloseTo(0.75);
    expect(value(text, 'spamfilter_model_changes_applied_total{kind="policy"}')).toBe(1);
  });
});
