/**
 * The oldest mark behind each change a learner batch publishes (ModelChangeEvent.markedAt): a user's layer changes
 * for that user's marks, the global layer for everyone's. Filters measure mark → effect from it, so a batch that
 * waited in Kafka is measured from its longest-waiting mark, not its newest.
 */
export interface MarkTimes {
  /** Oldest occurredAt (ISO) of each user's marks in the batch. */
  readonly byUser: ReadonlyMap<string, string>;
  /** Oldest occurredAt of the whole batch; null when no event had a readable time. */
  readonly all: string | null;
}

export function oldestMarks(
  events: readonly { readonly userId: string; readonly occurredAt: string }[],
): MarkTimes {
  const byUser = new Map<string, { at: number; iso: string }>();
  let all: { at: number; iso: string } | null = null;
  for (const e of events) {
    const at = Date.parse(e.occurredAt);
    if (!Number.isFinite(at)) continue;
    const seen = byUser.get(e.userId);
    if (!seen || at < seen.at) byUser.set(e.userId, { at, iso: e.occurredAt });
    if (!all || at < all.at) all = { at, iso: e.occurredAt };
  }
  return { byUser: new Map([...byUser].map(([u, t]) => [u, t.iso])), all: all?.iso ?? null };
}

/** The markedAt of a change to `userId`'s layer (null: the global layer). */
export function markedAtFor(times: MarkTimes, userId: string | null): string | null {
  return userId === null ? times.all : (times.byUser.get(userId) ?? null);
}
