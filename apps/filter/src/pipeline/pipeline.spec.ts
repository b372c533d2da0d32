import type { ScanContext } from './check';
import { runChecks } from './pipeline';
import type { Check } from './check';

const ctx = {} as ScanContext;
const check = (name: string, run: Check['run']): Check => ({
  name,
  symbols: [],
  tempfail: `${name.toUpperCase()}_TEMPFAIL`,
  run,
});

describe('runChecks', () => {
  afterEach(() => jest.useRealTimers());

  it('collects hits of every check, running them concurrently', async () => {
    // Concurrency by count, not by the clock: no check answers before all three are running (run one after the
    // other, the first would wait for ever and time out).
    let running = 0;
    let mostAtOnce = 0;
    let allStarted = (): void => undefined;
    const started = new Promise<void>((r) => (allStarted = r));
    const slowOk = (n: string) =>
      check(n, async () => {
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        if (running === 3) allStarted();
        await started;
        running--;
        return [{ name: `${n.toUpperCase()}_HIT` }];
      });
    const r = await runChecks([slowOk('a'), slowOk('b'), slowOk('c')], ctx, {
      checkTimeoutMs: 500,
      deadlineMs: 1000,
    });
    expect(r.hits.map((h) => h.name)).toEqual(['A_HIT', 'B_HIT', 'C_HIT']);
    expect(mostAtOnce).toBe(3);
  });

  it('turns a hanging check into its TEMPFAIL hit at the check timeout and aborts it', async () => {
    let aborted = false;
    const hang = check('hang', (_c, signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => undefined);
    });
    // Fake timers: ended by the 60 ms check timeout exactly, not before and not by the 5 s deadline, on any machine.
    jest.useFakeTimers();
    let done = false;
    const running = runChecks([hang, check('ok', () => Promise.resolve([{ name: 'OK_HIT' }]))], ctx, {
      checkTimeoutMs: 60,
      deadlineMs: 5000,
    }).finally(() => (done = true));
    await jest.advanceTimersByTimeAsync(59);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    const r = await running;
    expect(r.hits).toEqual([{ name: 'HANG_TEMPFAIL', options: ['timeout after 60 ms'] }, { name: 'OK_HIT' }]);
    expect(r.outcomes.find((o) => o.check === 'hang')?.status).toBe('timeout');
    expect(aborted).toBe(true);
  });

  it('turns a throwing check into its TEMPFAIL hit with the error', async () => {
    const r = await runChecks([check('boom', () => Promise.reject(new Error('kaput')))], ctx, {
      checkTimeoutMs: 100,
      deadlineMs: 100,
    });
    expect(r.hits).toEqual([{ name: 'BOOM_TEMPFAIL', options: ['error: kaput'] }]);
  });

  it('never runs past the overall deadline, whatever the per-check timeout', async () => {
    // Fake timers (performance.now() included): ended by the deadline (30 ms left) exactly, not by the 5 s check timeout.
    jest.useFakeTimers();
    const t0 = performance.now();
    let done = false;
    const running = runChecks(
      [check('hang', () => new Promise(() => undefined))],
      ctx,
      { checkTimeoutMs: 5000, deadlineMs: 80 },
      t0 - 50,
    ).finally(() => (done = true));
    await jest.advanceTimersByTimeAsync(29);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    const r = await running;
    expect(r.hits[0].name).toBe('HANG_TEMPFAIL');
  });
});
