import type { ScanContext } from './check';
import { runChecks } from './pipeline';
import type { Check } from './check';

const ctx = {} as ScanContext;
const check = (name: string, run: Check['run']): Check => ({ name, symbols: [], tempfail: `${name.toUpperCase()}_TEMPFAIL`, run });

describe('runChecks', () => {
  it('collects hits of every check, running them concurrently', async () => {
    const t0 = Date.now();
    const slowOk = (n: string) => check(n, () => new Promise((r) => setTimeout(() => r([{ name: `${n.toUpperCase()}_HIT` }]), 50)));
    const r = await runChecks([slowOk('a'), slowOk('b'), slowOk('c')], ctx, { checkTimeoutMs: 500, deadlineMs: 1000 });
    expect(r.hits.map((h) => h.name)).toEqual(['A_HIT', 'B_HIT', 'C_HIT']);
    expect(Date.now() - t0).toBeLessThan(140);
  });

  it('turns a hanging check into its TEMPFAIL hit at the check timeout and aborts it', async () => {
    let aborted = false;
    const hang = check('hang', (_c, signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => undefined);
    });
    const t0 = Date.now();
    const r = await runChecks([hang, check('ok', () => Promise.resolve([{ name: 'OK_HIT' }]))], ctx, { checkTimeoutMs: 60, deadlineMs: 1000 });
    expect(Date.now() - t0).toBeLessThan(200);
    expect(r.hits).toEqual([{ name: 'HANG_TEMPFAIL', options: ['timeout after 60 ms'] }, { name: 'OK_HIT' }]);
    expect(r.outcomes.find((o) => o.check === 'hang')?.status).toBe('timeout');
    expect(aborted).toBe(true);
  });

  it('turns a throwing check into its TEMPFAIL hit with the error', async () => {
    const r = await runChecks([check('boom', () => Promise.reject(new Error('kaput')))], ctx, { checkTimeoutMs: 100, deadlineMs: 100 });
    expect(r.hits).toEqual([{ name: 'BOOM_TEMPFAIL', options: ['error: kaput'] }]);
  });

  it('never runs past the overall deadline, whatever the per-check timeout', async () => {
    const t0 = performance.now();
    const r = await runChecks([check('hang', () => new Promise(() => undefined))], ctx, { checkTimeoutMs: 5000, deadlineMs: 80 }, t0 - 50);
    expect(performance.now() - t0).toBeLessThan(150);
    expect(r.hits[0].name).toBe('HANG_TEMPFAIL');
  });
});
