import { mostSevere, type Action, type Direction, type SmtpReply } from '@spamfilter/domain';
import type { Policy } from './policy';

/** The action for a score, before greylisting state is known (greylisting needs the triplet store). */
export function actionForScore(score: number, policy: Policy, direction: Direction): Action {
  if (direction === 'outbound') {
    if (score >= policy.outbound.reject) return 'reject';
    if (score >= policy.outbound.hold) return 'hold';
    return 'accept';
  }
  if (score >= policy.thresholds.reject) return 'reject';
  if (score >= policy.thresholds.tag) return 'tag';
  return 'accept';
}

/**
 * Greylisting applies only to inbound mail that is neither clearly ham (below the greylist threshold) nor clearly
 * spam (at or above reject): clear spam is refused or tagged at once, clear ham is never delayed (DESIGN.md).
 */
export function inGreylistBand(score: number, policy: Policy, direction: Direction): boolean {
  const t = policy.thresholds;
  return (
    direction === 'inbound' &&
    policy.greylisting.enabled &&
    t.greylist !== null &&
    score >= t.greylist &&
    score < t.reject
  );
}

/**
 * SMTP replies (RFC 3463 enhanced codes); refusals carry the reference ID so support can look the message up. The
 * text is one line of US-ASCII (RFC 5321 §4.2: reply text is ASCII unless the client asked for SMTPUTF8): the
 * explanation's ≥ and → are spelled >= and ->, anything else outside ASCII becomes '?'.
 */
export function smtpReplyFor(action: Action, reference: string, reason: string): SmtpReply {
  const oneLine = reason
    .replace(/[\r\n]+/g, ' ')
    .replace(/≥/g, '>=')
    .replace(/→/g, '->')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 200);
  switch (action) {
    case 'accept':
    case 'tag':
    case 'hold':
      return { code: 250, enhanced: '2.0.0', message: `OK (ref ${reference})` };
    case 'greylist':
      return {
        code: 451,
        enhanced: '4.7.1',
        message: `Greylisted, please try again later (ref ${reference})`,
      };
    case 'defer':
      return {
        code: 421,
        enhanced: '4.7.0',
        message: `Sending rate exceeded, try again later (ref ${reference})`,
      };
    case 'reject':
      // The reason says why (a spam score, a block list, a virus): "as spam" here was wrong for the last two.
      return { code: 550, enhanced: '5.7.1', message: `Message refused: ${oneLine} (ref ${reference})` };
    case 'block':
      return {
        code: 550,
        enhanced: '5.7.1',
        message: `Sending account blocked: ${oneLine} (ref ${reference})`,
      };
  }
}

/**
 * The temporary refusal of a message a required check could not scan (the virus scanner is down and
 * CLAMAV_ON_FAILURE=defer): 451 with 4.3.0, "other or undefined mail system status" (RFC 3463 §3.4), since the fault is
 * ours, not the sender's. The sender retries (RFC 5321 §4.5.4.1); the reason stays in the message log, not in the reply.
 */
export function unscannedReplyFor(reference: string): SmtpReply {
  return {
    code: 451,
    enhanced: '4.3.0',
    message: `Message could not be scanned, please try again later (ref ${reference})`,
  };
}

/**
 * One SMTP answer at end of DATA for several recipients whose actions differ. A temporary refusal of any recipient
 * (greylist, defer) answers 4xx for all — the client retries, nobody's mail is lost. Only when every recipient is
 * refused is the answer 5xx; otherwise 250 and the MTA drops (and bounces) just the refused recipients, using the
 * per-recipient replies — a block for one recipient must not reject the message for the others.
 */
export function overallAction(actions: readonly Action[]): { action: Action; smtpAction: Action } {
  const worst = mostSevere(actions);
  const temp = actions.filter((a) => a === 'greylist' || a === 'defer');
  if (temp.length > 0) return { action: worst, smtpAction: temp.includes('defer') ? 'defer' : 'greylist' };
  const delivering = actions.filter((a) => a === 'accept' || a === 'tag' || a === 'hold');
  if (delivering.length === 0) return { action: worst, smtpAction: worst };
  // Only accept < tag < hold remain here, in the same order as the domain's ACTION_SEVERITY.
  return { action: worst, smtpAction: mostSevere(delivering) };
}
