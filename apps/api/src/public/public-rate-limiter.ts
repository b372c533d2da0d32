/**
 * Per-client limit of the public page (no login): a fixed one-minute window per client IP, in process memory.
 * Each API instance counts on its own, so N instances allow up to N × the limit — enough to stop enumeration
 * (reference IDs carry 80 random bits anyway) and form spam.
 */
export class PublicRateLimiter {
  private readonly windows = new Map<string, { window: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `client`; false when it is over the limit. */
  allow(client: string): boolean {
    const window = Math.floor(this.now() / 60_000);
    const w = this.windows.get(client);
    if (!w || w.window !== window) {
      if (this.windows.size > 100_000) this.windows.clear();
      this.windows.set(client, { window, count: 1 });
      return true;
    }
    w.count += 1;
    return w.count <= this.perMinute;
  }
}
