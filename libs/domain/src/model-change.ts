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
 * 'directory': tenants, hosted domains or mailboxes changed (the control API); filters drop the recipient directory's
 * cache so a new domain is accepted and a removed one refused at once (payload names the domain).
 * 'campaign': a campaign confirmed by several users' spam marks (or ARF complaints) was added or removed (payload
 * libs/bayes CampaignChange: its id and, when added, its MinHash signature — hashes only). Its `version` is 0: filters
 * apply campaign changes idempotently by id and reload the set periodically, so there is no gap to detect.
 */
export const MODEL_CHANGE_KINDS = [
  'bayes',
  'policy',
  'lists',
  'reputation',
  'logistic',
  'directory',
  'campaign',
] as const;
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
  /**
   * When a user's mark caused this change: the oldest mark (FeedbackEvent.occurredAt) of the learner batch behind
   * it. Filters measure mark → effect from it (spamfilter_mark_to_effect_seconds); absent on other changes.
   */
  readonly markedAt?: string;
  readonly payload: Readonly<Record<string, unknown>>;
}
