import type { ScanContext } from './check';
import { runChecks } from './pipeline';
import type { Check } from './check';

const ctx = {} as ScanContext;
const check = (name: string, run: Check['run']): Check => ({ name, symbols: [], tempfail: `${name.toUpperCase()}_TEMPFAIL`, run });

describe('runChecks', () => {
  it('collects hits of every check, running them concurrently', async () => {
    // Concurrency by count, not by the clock: all three are running before the first one answers.
    let running = 0;
    let mostAtOnce = 0;
    const slowOk = (n: string) =>
      check(n, async () => {
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise((r) => setTimeout(r, 50));
        running--;
        return [{ name: `${n.toUpperCase()}_HIT` }];
      });
    const r = await runChecks([slowOk('a'), slowOk('b'), slowOk('c')], ctx, { checkTimeoutMs: 500, deadlineMs: 1000 });
    expect(r.hits.map((h) => h.name)).toEqual(['A_HIT', 'B_HIT', 'C_HIT']);
    expect(mostAtOnce).toBe(3);
  });

  it('turns a hanging check into its TEMPFAIL hit at the check timeout and aborts it', async () => {
    let aborted = false;
    const hang = check('hang', (_c, signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => undefined);
    });
    const t0 = Date.now();
    const r = await runChecks([hang, check('ok', () => Promise.resolve([{ name: 'OK_HIT' }]))], ctx, { checkTimeoutMs: 60, deadlineMs: 5000 });
    // Ended by the 60 ms check timeout, far before the 5 s deadline (a loaded CI machine adds tens of ms, not seconds).
    expect(Date.now() - t0).toBeLessThan(2000);
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
    // Ended by the deadline (30 ms left), far before the 5 s check timeout.
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.hits[0].name).toBe('HANG_TEMPFAIL');
  });
});
