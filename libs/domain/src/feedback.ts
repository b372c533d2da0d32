/** A user's mark, as it travels from the API to the learner (topic spamfilter.feedback.v1, keyed by userId). */
export type FeedbackLabel = 'spam' | 'ham';

export interface FeedbackEvent {
  /** Unique per mark; the learner handles each event ID once. */
  readonly eventId: string;
  readonly userId: string;
  readonly tenantId: string;
  /**
   * learn: train as `label`; undo: remove this user's earlier training of the message; unshare: the user no longer
   * shares their marks (consent withdrawn, apps/api sharing): take back what they gave the shared model — their
   * global trainings and campaign votes — keeping their own layer (`label` null, `messageId` empty).
   */
  readonly kind: 'learn' | 'undo' | 'unshare';
  readonly label: FeedbackLabel | null;
  /** The scan's reference ID when the mark names one. */
  readonly reference: string | null;
  /** Stable fingerprint of the message, so corrections and undo find the earlier training. */
  readonly messageId: string;
  readonly occurredAt: string;
}
