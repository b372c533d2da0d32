/**
 * A change to a model or policy that every filter instance must apply to its in-memory cache (topic
 * spamfilter.model.v1, keyed by userId, or 'global' when userId is null, so one scope's changes stay in order).
 * The envelope is fixed here; each kind's `payload` is refined by the lib that owns it (libs/bayes for 'bayes', …).
 */
/**
 * 'logistic': a new snapshot of the global logistic component (payload `{ version }`, the same as `version`; the
 * weights themselves are read from the database, never sent on the bus).
 */
/**
 * 'campaign': a campaign confirmed by several users' spam marks (or ARF complaints) was added or removed (payload
 * libs/bayes CampaignChange: its id and, when added, its MinHash signature — hashes only). Its `version` is 0: filters
 * apply campaign changes idempotently by id and reload the set periodically, so there is no gap to detect.
 */
export const MODEL_CHANGE_KINDS = ['bayes', 'policy', 'lists', 'reputation', 'logistic', 'campaign'] as const;
export type ModelChangeKind = (typeof MODEL_CHANGE_KINDS)[number];

export interface ModelChangeEvent {
  /** Unique per change; consumers apply each event ID once. */
  readonly eventId: string;
  readonly kind: ModelChangeKind;
  /** The user whose layer changed; null for the global layer. */
  readonly userId: string | null;
  /** The scope's version after this change; a consumer that sees a gap reloads the scope from the database. */
  readonly version: number;
  readonly occurredAt: string;
  readonly payload: Readonly<Record<string, unknown>>;
}
