/**
 * The small logger the buses write to (NestJS's Logger fits it structurally). kafkajs' own logs are routed here,
 * one line each, instead of its JSON lines on the console.
 */
export interface BusLogger {
  debug?(message: string): void;
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Default: warnings and errors to stderr, one line each; info and debug dropped. */
export const stderrBusLogger: BusLogger = {
  log: () => undefined,
  warn: (m) => process.stderr.write(`[messaging] WARN ${m}\n`),
  error: (m) => process.stderr.write(`[messaging] ERROR ${m}\n`),
};

/** Drops everything (tests that provoke failures on purpose). */
export const silentBusLogger: BusLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * Suppresses a line repeated within `windowMs` (a broker that is down makes kafkajs log the same connection error
 * on every retry), and reports how many were suppressed when the line next passes.
 */
export class RateLimitedLogger implements BusLogger {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(
    private readonly inner: BusLogger,
    private readonly windowMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  debug(message: string): void {
    this.inner.debug?.(message);
  }
  log(message: string): void {
    this.inner.log(message);
  }
  warn(message: string): void {
    const line = this.admit(message);
    if (line !== null) this.inner.warn(line);
  }
  error(message: string): void {
    const line = this.admit(message);
    if (line !== null) this.inner.error(line);
  }

  private admit(message: string): string | null {
    const t = this.now();
    const seen = this.last.get(message);
    if (seen && t - seen.at < this.windowMs) {
      seen.suppressed++;
      return null;
    }
    if (this.last.size > 1000) this.last.clear();
    this.last.set(message, { at: t, suppressed: 0 });
    return seen && seen.suppressed > 0 ? `${message} (repeated ${seen.suppressed}× more)` : message;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}
