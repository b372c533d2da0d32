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

/**
 * Runs `fn` outside any log scope. For lines about long-lived connections: a Kafka producer first used by a scan
 * would otherwise carry that scan's reference in every line its sockets cause, for as long as the process runs.
 */
export function withoutLogFields<T>(fn: () => T): T {
  return scopes.exit(fn);
}

/** A logger whose lines never carry a scope's fields (the event bus's, whose connections outlive any scan). */
export function unscoped<
  L extends { log(m: string): void; warn(m: string): void; error(m: string): void; debug?(m: string): void },
>(logger: L): Pick<L, 'log' | 'warn' | 'error' | 'debug'> {
  return {
    log: (m: string) => withoutLogFields(() => logger.log(m)),
    warn: (m: string) => withoutLogFields(() => logger.warn(m)),
    error: (m: string) => withoutLogFields(() => logger.error(m)),
    debug: (m: string) => withoutLogFields(() => logger.debug?.(m)),
  };
}
