/** Milliseconds since the epoch; injected so windows are testable (tests pass the counter store's ManualClock). */
export type NowFn = () => number;
