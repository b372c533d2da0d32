/**
 * An outbound account's standing, from what it sent recently: spam verdicts of the outbound scan and feedback-loop
 * complaints (a complaint is a recipient's mailbox provider saying "our user called this spam", so it weighs more
 * than one verdict of ours). Pure: the inputs come from the standing repository.
 */
export type StandingLevel = 'good' | 'warn' | 'poor';

export interface StandingInputs {
  /** Outbound spam verdicts (hold, reject) in the standing window. */
  readonly spamVerdicts: number;
  /** Complaints attributed to the account in the standing window. */
  readonly complaints: number;
}

export interface Standing {
  /** 100 is spotless, 0 is as bad as it gets. */
  readonly score: number;
  readonly level: StandingLevel;
  /** Penalty points: spam verdicts + complaints × complaintWeight. */
  readonly penalty: number;
}

/** Each penalty point costs this many standing points. */
const POINTS_PER_PENALTY = 10;

export function computeStanding(inputs: StandingInputs, complaintWeight: number): Standing {
  const penalty = Math.max(0, inputs.spamVerdicts) + Math.max(0, inputs.complaints) * complaintWeight;
  const score = Math.max(0, 100 - penalty * POINTS_PER_PENALTY);
  const level: StandingLevel = score >= 90 ? 'good' : score >= 60 ? 'warn' : 'poor';
  return { score, level, penalty };
}

export type AccountStatus = 'active' | 'blocked';

export interface AutoBlockInputs {
  readonly status: AccountStatus;
  /** Spam verdicts of the account within the auto-block window, this one included. */
  readonly recentSpam: number;
  /** OUTBOUND_AUTOBLOCK_SPAM_COUNT; 0 switches the automatic block off. */
  readonly threshold: number;
  readonly windowMs: number;
}

export type AutoBlockDecision = { readonly block: false } | { readonly block: true; readonly reason: string };

/** Block an account automatically when it reaches the threshold of spam verdicts in the window (not before). */
export function autoBlockDecision(i: AutoBlockInputs): AutoBlockDecision {
  if (i.status === 'blocked' || i.threshold <= 0 || i.recentSpam < i.threshold) return { block: false };
  const minutes = Math.round(i.windowMs / 60_000);
  return {
    block: true,
    reason: `automatic: ${i.recentSpam} spam verdicts within ${minutes} minutes (threshold ${i.threshold})`,
  };
}

/** Outbound actions that count as a spam verdict for standing and the automatic block. */
export function isSpamVerdict(action: string): boolean {
  return action === 'hold' || action === 'reject';
}
