'use strict';
const { Counters, FAMILIES, OUTCOME_LABEL, metricMessage } = require('../lib/metrics');

describe('plugin metrics', () => {
  it('counts by label set and writes the Prometheus text format', () => {
    const c = new Counters();
    c.inc('spamfilter_haraka_messages_total', { direction: 'inbound', outcome: 'unscanned' });
    c.inc('spamfilter_haraka_messages_total', { direction: 'inbound', outcome: 'unscanned' });
    c.inc('spamfilter_haraka_filter_failures_total', { direction: 'inbound', result: 'unscanned' });
    const text = c.exposition();
    expect(text).toContain('# TYPE spamfilter_haraka_messages_total counter\n');
    expect(text).toContain('spamfilter_haraka_messages_total{direction="inbound",outcome="unscanned"} 2\n');
    expect(text).toContain(
      'spamfilter_haraka_filter_failures_total{direction="inbound",result="unscanned"} 1\n',
    );
    expect(c.value('spamfilter_haraka_messages_total', { direction: 'inbound', outcome: 'unscanned' })).toBe(
      2,
    );
  });

  it('lists every family even before it counts anything (a scrape shows what exists)', () => {
    const text = new Counters().exposition();
    for (const name of Object.keys(FAMILIES)) expect(text).toContain(`# HELP ${name} `);
  });

  it('ignores what it does not know instead of throwing inside an SMTP hook', () => {
    const c = new Counters();
    expect(c.inc('nope_total', { direction: 'inbound' })).toBe(false);
    expect(c.inc('spamfilter_haraka_messages_total', { direction: 'inbound' })).toBe(false);
    expect(c.inc('spamfilter_haraka_messages_total', null)).toBe(false);
    expect(c.exposition()).not.toMatch(/^spamfilter_haraka_messages_total\{/m);
  });

  it('escapes label values', () => {
    const c = new Counters();
    c.inc('spamfilter_haraka_messages_total', { direction: 'in"b\\d\n', outcome: 'delivered' });
    expect(c.exposition()).toContain('{direction="in\\"b\\\\d\\n",outcome="delivered"}');
  });

  it('names every outcome kind of lib/outcome.js, and reads only its own worker messages', () => {
    expect(Object.keys(OUTCOME_LABEL).sort()).toEqual(['deliver', 'refuse', 'tempfail', 'unscanned']);
    expect(metricMessage({ cmd: 'reload' })).toBeNull();
    expect(metricMessage({ spamfilter_metric: { name: 'x', labels: {} } })).toBeNull();
    expect(
      metricMessage({ spamfilter_metric: { name: 'spamfilter_haraka_messages_total', labels: { a: 'b' } } }),
    ).toEqual({
      name: 'spamfilter_haraka_messages_total',
      labels: { a: 'b' },
    });
  });
});
