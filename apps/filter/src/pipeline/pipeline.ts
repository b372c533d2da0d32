import type { SymbolHit } from '@spamfilter/domain';
import type { Check, ScanContext } from './check';

export interface PipelineOptions {
  /** Per check. */
  readonly checkTimeoutMs: number;
  /** For all checks together, measured from `startedAt`. */
  readonly deadlineMs: number;
}

export interface CheckOutcome {
  readonly check: string;
  readonly status: 'ok' | 'timeout' | 'error';
  readonly ms: number;
}

export interface PipelineResult {
  readonly hits: SymbolHit[];
  readonly outcomes: CheckOutcome[];
}

/**
 * Runs every check concurrently under min(the per-check timeout, what is left of the overall deadline). A check that
 * times out or throws adds its *_TEMPFAIL symbol with the reason as option; the others go on. The result is always
 * produced by the deadline: nothing a check does (a DNS server that never answers) can stall a scan.
 *
 * The checks start together, so one budget, one timer and one abort signal serve them all: when the timer fires,
 * every check still running is reported as timed out and its signal aborts. (A timer and an AbortController per
 * check cost 4% of a scan's CPU.)
 */
export async function runChecks(
  checks: readonly Check[],
  ctx: ScanContext,
  options: PipelineOptions,
  startedAt = performance.now(),
): Promise<PipelineResult> {
  const t0 = performance.now();
  const budget = Math.max(0, Math.min(options.checkTimeoutMs, options.deadlineMs - (t0 - startedAt)));
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
      controller.abort();
    }, budget);
  });
  const outcomes: CheckOutcome[] = [];
  try {
    const results = await Promise.all(
      checks.map(async (check): Promise<readonly SymbolHit[]> => {
        try {
          const r = await Promise.race([check.run(ctx, controller.signal), timeout]);
          if (r === 'timeout') {
            outcomes.push({ check: check.name, status: 'timeout', ms: performance.now() - t0 });
            return [{ name: check.tempfail, options: [`timeout after ${Math.round(budget)} ms`] }];
          }
          outcomes.push({ check: check.name, status: 'ok', ms: performance.now() - t0 });
          return r;
        } catch (err) {
          outcomes.push({ check: check.name, status: 'error', ms: performance.now() - t0 });
          return [
            {
              name: check.tempfail,
              options: [`error: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200)],
            },
          ];
        }
      }),
    );
    return { hits: results.flat(), outcomes };
  } finally {
    clearTimeout(timer);
  }
}
