import type { CounterStore } from '@spamfilter/counters';
import type { NowFn } from '../outbound-clock';

/**
 * An account's spam verdicts in a sliding window (the counter store's exact window). The key carries an epoch — the
 * time of the operator's last unblock — so an unblocked account starts afresh instead of being re-blocked at once
 * by the very verdicts that blocked it.
 */
export class SpamWindow {
  constructor(
    private readonly counters: CounterStore,
    private readonly now: NowFn,
    private readonly windowMs: number,
  ) {}

  /** Records one spam verdict of `account` and returns the count within the window, this one included. */
  record(account: string, epochMs = 0): Promise<number> {
    return this.counters.hit(this.key(account, epochMs), this.windowMs, this.now());
  }

  count(account: string, epochMs = 0): Promise<number> {
    return this.counters.count(this.key(account, epochMs), this.windowMs, this.now());
  }

  private key(account: string, epochMs: number): string {
    return `ob:spam:${account}:${epochMs}`;
  }
}
