/**
 * Who may teach the shared model, as pure functions over what the learner reads in its transaction (the numbers come
 * from LEARNER_* configuration). The global layer is everyone's: a mark reaches it only with AGREEMENT — the filter's
 * own confident verdict at scan time, and other users whose marks on near-copies of the message (campaign signatures)
 * say the same, each weighed by how often that user's marks have agreed before. No single account can reach the
 * threshold alone (its weight is at most 1 < LEARNER_GLOBAL_MIN_SUPPORT), and new accounts weigh nothing.
 */
import type { SenderStanding } from '@spamfilter/bayes';

export type Label = 'spam' | 'ham';

/** What the filter's global model said at scan time about the class a mark gives. */
export type FilterOpinion = 'agrees' | 'disagrees' | 'unsure';

/**
 * `agrees` when the global logit at scan time was at least `confident` on the mark's side, `disagrees` when it was
 * that confident on the other side, `unsure` otherwise or when the scan recorded none (raw marks of unscanned mail).
 */
export function filterOpinion(
  label: Label,
  globalLogit: number | undefined,
  confident: number,
): FilterOpinion {
  if (globalLogit === undefined) return 'unsure';
  const side = label === 'spam' ? globalLogit : -globalLogit;
  if (side >= confident) return 'agrees';
  if (side <= -confident) return 'disagrees';
  return 'unsure';
}

export interface TrustCounts {
  /** Marks that agreed with a confident filter verdict, or with peers (trustUpdate). */
  readonly agreed: number;
  /** Marks that contradicted a confident filter verdict without peers to back them. */
  readonly disagreed: number;
}

export interface TrustSettings {
  /** Agreeing marks a user needs for full weight (LEARNER_TRUST_MARKS). */
  readonly marks: number;
  /** Accounts younger than this weigh nothing (LEARNER_TRUST_MIN_AGE_DAYS). */
  readonly minAgeDays: number;
}

/**
 * A user's weight in [0, 1): the share of their marks that agreed (with one phantom disagreement, so a short record
 * stays below 1) times how far they are toward `marks` agreeing marks; 0 for accounts younger than `minAgeDays`.
 * A hostile account that marks ham as spam contradicts the filter's confident ham verdicts and falls toward 0; one
 * that first builds a record and then turns loses it as fast as it marks against the filter.
 */
export function trustOf(c: TrustCounts, accountAgeDays: number, s: TrustSettings): number {
  if (accountAgeDays < s.minAgeDays || c.agreed <= 0) return 0;
  return (c.agreed / (c.agreed + c.disagreed + 1)) * Math.min(1, c.agreed / Math.max(1, s.marks));
}

/**
 * How a mark changes its user's record: it agreed when the filter was confident of the same class or at least two
 * other established voters (aged accounts, ARF reports) marked near-copies the same way; it disagreed when the filter
 * was confident of the other class and no such peers back it; otherwise it says nothing about the user.
 */
export function trustUpdate(opinion: FilterOpinion, agreeingPeers: number): 'agreed' | 'disagreed' | null {
  if (opinion === 'agrees' || agreeingPeers >= 2) return 'agreed';
  if (opinion === 'disagrees') return 'disagreed';
  return null;
}

export interface Voter {
  readonly label: Label;
  /** trustOf of that voter (an ARF report: 1). */
  readonly weight: number;
}

export interface Support {
  /** The filter's confident verdict (1) plus the weights of the voters with the mark's class, the marking user included. */
  readonly support: number;
  /** The same on the other side. */
  readonly oppose: number;
}

/** The support for and against a mark: one vote per distinct voter (their latest), the filter's worth 1. */
export function supportFor(
  label: Label,
  opinion: FilterOpinion,
  ownWeight: number,
  others: readonly Voter[],
): Support {
  let support = ownWeight + (opinion === 'agrees' ? 1 : 0);
  let oppose = opinion === 'disagrees' ? 1 : 0;
  for (const v of others) {
    if (v.label === label) support += v.weight;
    else oppose += v.weight;
  }
  return { support, oppose };
}

export type AgreementDecision = { readonly train: true } | { readonly train: false; readonly reason: string };

/**
 * Does the mark reach the global layer? Only with `minSupport` (LEARNER_GLOBAL_MIN_SUPPORT; 0 turns the rule off)
 * and at least twice the opposing weight. With the default 1.5: a trusted user and the filter agree (reinforces what
 * the model knows); two trusted users agree where the filter was unsure; three correct a confident filter. One user,
 * however trusted, never does it alone.
 */
export function decideAgreement(s: Support, minSupport: number): AgreementDecision {
  if (minSupport <= 0) return { train: true };
  if (s.support >= minSupport && s.support > 2 * s.oppose) return { train: true };
  return {
    train: false,
    reason: `awaiting agreement: support ${s.support.toFixed(2)} of ${minSupport}, against ${s.oppose.toFixed(2)}`,
  };
}

export interface BulkSignals {
  readonly listUnsubscribe: boolean;
  readonly dkimAligned?: boolean;
  readonly reputation?: SenderStanding;
}

/**
 * Legitimate bulk mail: a list (List-Unsubscribe, RFC 2369/8058), signed by its From domain (aligned DKIM, RFC 7489
 * §3.1.1) and from a sender with a good record here. A spam mark on it is a preference ("I no longer want this"):
 * it trains that user's own layer and may suggest unsubscribing, but never the global layer or a campaign, so a
 * newsletter others read is not punished for one reader's change of mind.
 */
export function isLegitimateBulk(b: BulkSignals): boolean {
  return b.listUnsubscribe && b.dkimAligned === true && b.reputation === 'good';
}

export interface ConsentAnswers {
  /** The user's own answer (null: none). */
  readonly user: boolean | null;
  /** Their domain's policy (null: none). */
  readonly domain: boolean | null;
  /** The installation's policy when neither answered (LEARNER_SHARE_DEFAULT, off unless the operator says so). */
  readonly installation: boolean;
}

export interface Consent {
  readonly share: boolean;
  readonly source: 'user' | 'domain' | 'installation';
}

/** May this user's marks train the shared model? Their own answer first, then their domain's, then the installation's. */
export function effectiveConsent(a: ConsentAnswers): Consent {
  if (a.user !== null) return { share: a.user, source: 'user' };
  if (a.domain !== null) return { share: a.domain, source: 'domain' };
  return { share: a.installation, source: 'installation' };
}

/** A campaign is confirmed when `minVoters` (LEARNER_CAMPAIGN_USERS) distinct voters marked near-copies spam. */
export function campaignConfirmed(spamVoters: number, minVoters: number): boolean {
  return minVoters > 0 && spamVoters >= minVoters;
}
