import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Fields every log line written inside a scope carries: the scan's `reference` (X-Spam-Reference, what a user quotes
 * from a refusal), the Kafka event's `eventId` (FeedbackEvent, ModelChangeEvent), and whatever else the scope knows.
 */
export interface LogFields {
  readonly reference?: string;
  readonly eventId?: string;
  readonly [field: string]: unknown;
}

const scopes = new AsyncLocalStorage<LogFields>();

/**
 * Runs `fn` with `fields` added to every log line written inside it, including from promises and callbacks it
 * starts (AsyncLocalStorage): a warning three calls below a scan carries the scan's reference without each call
 * passing it on. Nested scopes add to the outer one. On Node 24 a scope costs one context-frame switch, not an
 * async hook per promise (AsyncContextFrame is the default there).
 */
export function withLogFields<T>(fields: LogFields, fn: () => T): T {
  const outer = scopes.getStore();
  return scopes.run(outer ? { ...outer, ...fields } : fields, fn);
}

/** The fields of the scope the caller runs in, or undefined outside any. */
export function currentLogFields(): LogFields | undefined {
  return scopes.getStore();
}
