/**
 * The part of the counter store (libs/counters: Redis in production, in-memory in the embedded default) the outbound
 * checks need. Declared here, narrow, so the rate-limit logic is unit-tested over the in-memory store and the
 * module binds whichever adapter the process runs.
 */
export interface OutboundCounters {
  /** Adds one to `key` and returns the new count; the key lives `windowMs` from its first hit. Atomic. */
  hit(key: string, windowMs: number): Promise<number>;
  /** Sets `key` when absent (atomic); true when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** The current count of a hit key, 0 when absent or expired. */
  count(key: string): Promise<number>;
}

export const OUTBOUND_COUNTERS = Symbol('OUTBOUND_COUNTERS');
export const OUTBOUND_CLOCK = Symbol('OUTBOUND_CLOCK');

/** Milliseconds since the epoch; injected so windows are testable. */
export type Clock = () => number;
