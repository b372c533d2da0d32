import { Histogram, Registry } from 'prom-client';
import { LabelledHistogram } from './labelled-histogram';

describe('LabelledHistogram', () => {
  it("writes exactly what prom-client's Histogram writes for the same observations", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const buckets = [0.001, 0.01, 0.1];
    const fast = new LabelledHistogram('t_check_seconds', 'h', 'check', buckets, [ours]);
    const reference = new Histogram({
      name: 't_check_seconds',
      help: 'h',
      labelNames: ['check'],
      buckets,
      registers: [theirs],
    });
    for (const [check, v] of [
      ['auth', 0.0005],
      ['auth', 0.01],
      ['auth', 3],
      ['dnsbl', 0.05],
    ] as const) {
      fast.observe(check, v);
      reference.observe({ check }, v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('counts a value equal to a bound in that bucket (le is "less than or equal")', async () => {
    const r = new Registry();
    new LabelledHistogram('t_h', 'h', 'x', [1, 2], [r]).observe('a', 1);
    expect(await r.metrics()).toContain('t_h_bucket{le="1",x="a"} 1');
  });
});
