import type { Disposition } from '@spamfilter/domain';

export interface Attempt {
  readonly status: 'delivered' | 'deferred' | 'bounced' | 'not_sent';
  readonly code: number | null;
  readonly enhanced: string | null;
  readonly text: string;
  readonly at: Date;
}

export type RecipientStatus = Attempt['status'] | 'held' | 'refused' | 'pending';

/**
 * Where a sent message stands for one recipient: the next hop's latest answer when it got that far, else what the
 * filter decided (held for review, refused, deferred by a rate limit), else "pending" — accepted, no answer from the
 * next hop reported yet. Pure: the service passes the records in.
 */
export function recipientStatus(
  disposition: Disposition | null,
  attempts: readonly Attempt[],
): RecipientStatus {
  const last = [...attempts].sort((a, b) => a.at.getTime() - b.at.getTime()).at(-1);
  if (last) return last.status;
  switch (disposition) {
    case 'held':
    case 'quarantined':
      return 'held';
    case 'refused':
      return 'refused';
    case 'deferred':
      return 'deferred';
    case 'delivered':
    case 'tagged':
    case 'released':
    case null:
      return 'pending';
  }
}
