import type { Clock, OutboundCounters } from '../outbound-counters.port';

/** Number of sub-windows a sliding window is made of: the count is exact to one tenth of the window. */
const SLICES = 10;

/**
 * A sliding window over fixed sub-windows (a tenth of the window each) in the counter store: recording adds one to
 * the current slice; the count is the sum of the last SLICES slices, so a burst that straddles a clock boundary is
 * still seen whole (a single fixed window would split it in two and miss it).
 */
export class SpamWindow {
  constructor(
    private readonly counters: OutboundCounters,
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {}

  private get sliceMs(): number {
    return Math.max(1, Math.floor(this.windowMs / SLICES));
  }

  /** Records one spam verdict of `account` and returns the count within the window, this one included. */
  async record(account: string, notBeforeMs = 0): Promise<number> {
    const slice = Math.floor(this.clock() / this.sliceMs);
    await this.counters.hit(this.key(account, slice), this.windowMs + this.sliceMs);
    return this.count(account, notBeforeMs);
  }

  /**
   * Spam verdicts within the window. `notBeforeMs` (an operator's unblock) drops the slices that began before it:
   * an unblocked account starts afresh instead of being re-blocked by the verdicts that blocked it.
   */
  async count(account: string, notBeforeMs = 0): Promise<number> {
    const slice = Math.floor(this.clock() / this.sliceMs);
    let total = 0;
    for (let s = slice - SLICES + 1; s <= slice; s++) {
      if (s * this.sliceMs < notBeforeMs) continue;
      total += await this.counters.count(this.key(account, s));
    }
    return total;
  }

  private key(account: string, slice: number): string {
    return `ob:spam:${account}:${slice}`;
  }
}
