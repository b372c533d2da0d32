'use strict';
// The plugin's counters and their Prometheus text format (GET /metrics on [metrics] listen). Pure: index.js counts
// and serves; everything here is unit-tested. What these count only the MTA sees — a message delivered without a
// verdict never reaches the filter's own metrics.

const FAMILIES = Object.freeze({
  spamfilter_haraka_messages_total: Object.freeze({
    help:
      'Messages after DATA by what the plugin did with them: delivered (with a verdict), unscanned (delivered ' +
      'without one: the filter was unavailable and fail_open=true, or a skip rule matched), tempfail (451), refused (5xx)',
    labels: Object.freeze(['direction', 'outcome']),
  }),
  spamfilter_haraka_filter_failures_total: Object.freeze({
    help:
      'Scans without a usable answer from the filter (unreachable, past scan_deadline_ms, HTTP 5xx, an unreadable ' +
      'verdict), by what fail_open made of them: unscanned (delivered) or tempfail (451)',
    labels: Object.freeze(['direction', 'result']),
  }),
});

/** The message outcome label of an outcome kind of lib/outcome.js. */
const OUTCOME_LABEL = Object.freeze({
  deliver: 'delivered',
  unscanned: 'unscanned',
  tempfail: 'tempfail',
  refuse: 'refused',
});

class Counters {
  constructor() {
    /** family → (label values joined by \u0000 → { labels, value }) */
    this.series = new Map(Object.keys(FAMILIES).map((name) => [name, new Map()]));
  }

  /**
   * Adds `by` to one series. Unknown families or label sets are ignored (returns false): a count must never throw
   * inside an SMTP hook.
   */
  inc(name, labels, by = 1) {
    const family = FAMILIES[name];
    if (!family || !labels || typeof labels !== 'object' || !(by > 0)) return false;
    const values = family.labels.map((l) => labels[l]);
    if (values.some((v) => typeof v !== 'string')) return false;
    const key = values.join('\u0000');
    const series = this.series.get(name);
    const s = series.get(key);
    if (s) s.value += by;
    else
      series.set(key, { labels: Object.fromEntries(family.labels.map((l, i) => [l, values[i]])), value: by });
    return true;
  }

  value(name, labels) {
    const family = FAMILIES[name];
    if (!family) return 0;
    const s = this.series.get(name).get(family.labels.map((l) => labels[l]).join('\u0000'));
    return s ? s.value : 0;
  }

  /** Prometheus text exposition format 0.0.4: every family with HELP and TYPE, then its series. */
  exposition() {
    const out = [];
    for (const [name, family] of Object.entries(FAMILIES)) {
      out.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} counter`);
      for (const s of this.series.get(name).values()) {
        const labels = family.labels.map((l) => `${l}="${escapeLabel(s.labels[l])}"`).join(',');
        out.push(`${name}{${labels}} ${s.value}`);
      }
    }
    return `${out.join('\n')}\n`;
  }
}

/** Label values escape backslash, double quote and line feed. */
function escapeLabel(v) {
  return String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The count a cluster worker sends its master (process.send), or null for anything else. */
function metricMessage(msg) {
  const m = msg && msg.spamfilter_metric;
  if (!m || typeof m.name !== 'string' || !FAMILIES[m.name] || typeof m.labels !== 'object') return null;
  return { name: m.name, labels: m.labels };
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

module.exports = { Counters, FAMILIES, OUTCOME_LABEL, metricMessage, CONTENT_TYPE };
