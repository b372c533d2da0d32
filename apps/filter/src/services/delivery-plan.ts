import type {
  Action,
  DeliveryCopy,
  DeliveryPlan,
  Direction,
  Disposition,
  ScoredSymbol,
} from '@spamfilter/domain';
import { mostSevere } from '@spamfilter/domain';

/** One recipient's scored result, before the plan says what happens to their copy. */
export interface PlannedRecipient {
  readonly recipient: string;
  readonly action: Action;
  readonly score: number;
  readonly tagThreshold: number;
  /** Symbols of this recipient only (their lists, their Bayes layer). */
  readonly symbols: readonly ScoredSymbol[];
  /** Inbound: this recipient's policy keeps their copy in the quarantine for this action (spamHandling). */
  readonly quarantine?: boolean;
}

export interface PlanInput {
  readonly direction: Direction;
  readonly reference: string;
  readonly recipients: readonly PlannedRecipient[];
  /** Symbols every recipient shares. */
  readonly shared: readonly ScoredSymbol[];
  /** Headers that say nothing about a recipient (Authentication-Results, the outbound pool tag), added to every copy. */
  readonly messageHeaders: readonly (readonly [string, string])[];
}

export interface Plan {
  readonly delivery: DeliveryPlan;
  /** Disposition per recipient, in the order of `recipients`. */
  readonly dispositions: readonly Disposition[];
}

type ActionClass = 'deliver' | 'temp' | 'perm';
const CLASS: Readonly<Record<Action, ActionClass>> = {
  accept: 'deliver',
  tag: 'deliver',
  hold: 'deliver',
  greylist: 'temp',
  defer: 'temp',
  reject: 'perm',
  block: 'perm',
};

const MAX_SYMBOLS_HEADER = 900;

/**
 * After DATA, SMTP has one answer for all recipients, so per-recipient verdicts become one answer plus copies:
 * - any temporary refusal (greylist, rate limit) → 4xx for the whole message: the sender retries, nobody's mail is
 *   lost, and nothing is delivered twice (RFC 5321 §4.5.4.1);
 * - inbound, a recipient whose policy quarantines spam (spamHandling) has their copy **quarantined** — kept, listed
 *   for them, releasable — instead of tagged or refused;
 * - inbound, nobody delivered or quarantined → 5xx for the whole message;
 * - inbound, otherwise → 250; a recipient whose own policy refuses is quarantined too (not delivered, not bounced):
 *   one recipient's strict policy never refuses the message for the others, and their copy can still be found;
 * - outbound, the verdict is about the sending account: the most severe action applies to every recipient, and a
 *   `hold` keeps one copy for operator review (disposition held) instead of sending it.
 * Kept copies (quarantined, held) are in no delivery copy: the scan stores them before it answers, and a plan whose
 * copies are all kept delivers nothing and is still accepted. Recipients whose copies would carry identical headers
 * share one copy; no header names an envelope recipient, so a copy discloses neither the other (Bcc) recipients nor
 * their verdicts.
 */
export function planDelivery(input: PlanInput): Plan {
  const { recipients, direction } = input;
  const actions = recipients.map((r) => r.action);
  const worst = mostSevere(actions);
  const temp = actions.some((a) => CLASS[a] === 'temp');
  const kept = (r: PlannedRecipient): boolean => direction === 'inbound' && r.quarantine === true;
  const accepted = recipients.some((r) => CLASS[r.action] === 'deliver' || kept(r));

  if (temp || (direction === 'outbound' && CLASS[worst] !== 'deliver') || !accepted) {
    const outcome = temp ? 'tempfail' : 'refuse';
    return {
      delivery: { outcome, copies: [] },
      dispositions: recipients.map(() => (temp ? 'deferred' : 'refused')),
    };
  }

  // Outbound: one action (the worst) for all; inbound: each recipient's own.
  const effective = (r: PlannedRecipient): Action => (direction === 'outbound' ? worst : r.action);
  const dispositions: Disposition[] = recipients.map((r) => {
    const a = effective(r);
    if (kept(r) || CLASS[a] === 'perm') return 'quarantined';
    if (a === 'hold') return 'held';
    return a === 'tag' ? 'tagged' : 'delivered';
  });

  const copies = new Map<string, { recipients: string[]; headers: [string, string][] }>();
  recipients.forEach((r, i) => {
    if (dispositions[i] === 'quarantined' || dispositions[i] === 'held') return;
    const headers = copyHeaders(input, r, effective(r));
    const key = JSON.stringify(headers);
    const copy = copies.get(key);
    if (copy) copy.recipients.push(r.recipient);
    else copies.set(key, { recipients: [r.recipient], headers });
  });
  return {
    delivery: { outcome: 'deliver', copies: [...copies.values()] satisfies DeliveryCopy[] },
    dispositions,
  };
}

/** The headers of the kept copy of a recipient (what a release delivers to them); outbound, with the worst action. */
export function quarantineHeaders(input: PlanInput, r: PlannedRecipient): [string, string][] {
  return copyHeaders(
    input,
    r,
    input.direction === 'outbound' ? mostSevere(input.recipients.map((x) => x.action)) : r.action,
  );
}

function copyHeaders(input: PlanInput, r: PlannedRecipient, action: Action): [string, string][] {
  const spam = action !== 'accept';
  const score = r.score.toFixed(2);
  const headers: [string, string][] = [
    ['X-Spam-Reference', input.reference],
    ['X-Spam-Score', score],
    [
      'X-Spam-Status',
      `${spam ? 'Yes' : 'No'}, score=${score} required=${r.tagThreshold.toFixed(2)} action=${action}`,
    ],
  ];
  if (spam) headers.push(['X-Spam-Flag', 'YES']);
  const symbols = symbolsLine([...input.shared, ...r.symbols]);
  if (symbols) headers.push(['X-Spam-Symbols', symbols]);
  for (const [name, value] of input.messageHeaders) headers.push([name, value]);
  return headers;
}

/** `NAME(score), …` by weight, each name once, within one header line's budget. */
export function symbolsLine(symbols: readonly ScoredSymbol[]): string {
  const seen = new Set<string>();
  let line = '';
  for (const s of [...symbols].sort((a, b) => Math.abs(b.score) - Math.abs(a.score))) {
    if (seen.has(s.name)) continue;
    seen.add(s.name);
    const item = `${s.name}(${s.score.toFixed(2)})`;
    if (line.length + item.length + 2 > MAX_SYMBOLS_HEADER) break;
    line = line ? `${line}, ${item}` : item;
  }
  return line;
}
