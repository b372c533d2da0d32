/**
 * The learner's decisions, as pure functions over counts the service reads in the same transaction. Kept apart from
 * the consumer so each rule is unit-tested and the numbers come from LEARNER_* configuration, never literals.
 */
export interface GlobalCapSettings {
  /** At most this many of one user's marks per UTC day train the global layer. */
  readonly dailyCapPerUser: number;
  /** One user's global trainings never exceed this fraction of all global trainings… */
  readonly maxUserFraction: number;
  /** …once they have contributed this many (a young corpus has to start somewhere). */
  readonly userFloor: number;
}

export interface GlobalContribution {
  /** This user's global trainings today (UTC), before this one. */
  readonly userToday: number;
  /** This user's global trainings ever (net of undo), before this one. */
  readonly userTotal: number;
  /** All global trainings ever (net of undo), before this one. */
  readonly globalTotal: number;
}

export type GlobalDecision = { readonly train: true } | { readonly train: false; readonly reason: string };

/** May this mark also train the global layer, so that no single user can swing it? */
export function decideGlobalTraining(c: GlobalContribution, s: GlobalCapSettings): GlobalDecision {
  if (c.userToday >= s.dailyCapPerUser) {
    return {
      train: false,
      reason: `daily cap: ${c.userToday} of ${s.dailyCapPerUser} global trainings today`,
    };
  }
  if (c.userTotal >= s.userFloor) {
    // After this training the user's share would be (userTotal + 1) / (globalTotal + 1).
    const share = (c.userTotal + 1) / (c.globalTotal + 1);
    if (share > s.maxUserFraction) {
      return {
        train: false,
        reason: `share cap: ${(share * 100).toFixed(1)}% of the global corpus > ${(s.maxUserFraction * 100).toFixed(1)}%`,
      };
    }
  }
  return { train: true };
}

export interface MarkContext {
  readonly label: 'spam' | 'ham';
  /** The message carried a List-Unsubscribe header (RFC 2369 / RFC 8058). */
  readonly hasListUnsubscribe: boolean;
  /** The user accepted earlier mail from this sender (it reached their inbox and they did not mark it spam). */
  readonly senderPreviouslyAccepted: boolean;
}

/**
 * A spam mark on list mail from a sender the user used to read is a preference ("I no longer want this"), not
 * evidence about spam: it trains the user's layer, blocks the sender for that user, suggests unsubscribing, and
 * stays out of the global layer so a newsletter many others want is not punished.
 */
export function isListPreference(m: MarkContext): boolean {
  return m.label === 'spam' && m.hasListUnsubscribe && m.senderPreviouslyAccepted;
}

/** Repeated spam marks on one sender block that sender for the user (threshold 0 disables the rule). */
export function senderBlockDue(spamMarksFromSender: number, threshold: number): boolean {
  return threshold > 0 && spamMarksFromSender >= threshold;
}

/**
 * A block the learner made for a sender is lifted once the marks behind it no longer hold it up: an undo or a
 * correction leaves fewer active spam marks on that sender than the threshold (none, for a list-preference block made
 * from one mark), or the user marks mail from that sender as not spam (a contradiction wins over earlier marks).
 */
export function learnedBlockLifted(
  change: { readonly kind: 'spam_marks_left'; readonly remaining: number } | { readonly kind: 'ham_mark' },
  threshold: number,
): boolean {
  if (change.kind === 'ham_mark') return true;
  return threshold > 0 ? change.remaining < threshold : change.remaining <= 0;
}
