import { Logger } from '@nestjs/common';
import {
  mostSevere,
  RELEASE_HEADER,
  type Action,
  type RecipientVerdict,
  type ScanEnvelope,
  type ScanVerdict,
  type ScoredSymbol,
  type SmtpReply,
  type SymbolHit,
} from '@spamfilter/domain';
import { bodyDigest, framingProblem, headerValue } from '@spamfilter/mail';
import type { ReleaseTicketEntity } from '@spamfilter/persistence';
import { withLogFields } from '@spamfilter/observability';
import {
  actionForScore,
  forcedActionFor,
  inGreylistBand,
  overallAction,
  quarantinesFor,
  scoreRecipient,
  smtpReplyFor,
  unscannedReplyFor,
  type ForcedVerdict,
  type Policy,
  type SymbolRegistry,
} from '@spamfilter/scoring';
import type { AnalysisRunner, MessageAnalysis } from '../analysis/message-analysis';
import { applyListConditions } from '../checks/lists/list-conditions';
import type { Check, ScanContext } from '../pipeline/check';
import { runChecks, type PipelineOptions } from '../pipeline/pipeline';
import type { Clock, ReferenceIdGenerator } from './clock';
import type { GreylistService, GreylistState } from './greylist.service';
import {
  planDelivery,
  quarantineHeaders,
  symbolsLine,
  type PlanInput,
  type PlannedRecipient,
} from './delivery-plan';
import type { MetricsService } from './metrics.service';
import type { PolicyService } from './policy.service';
import type { ReputationService } from './reputation.service';
import type { QuarantineCopy, QuarantineStore } from './quarantine.store';
import type { ReleaseTickets } from './release-tickets';
import type { ScanLogRecord, ScanLogWriter } from './scan-log.writer';

/** Hooks other features plug in (outbound rate limits and account blocks force an action whatever the score). */
export interface ScanExtensions {
  /** An action that overrides the score for every recipient (e.g. 'defer' for a rate limit, 'block'), or null. */
  readonly forcedAction?: (hits: readonly SymbolHit[], envelope: ScanEnvelope) => Action | null;
  /** Called after each verdict (outbound account scoring, scan events on the bus). Must not throw or block. */
  readonly onVerdict?: (verdict: ScanVerdict, envelope: ScanEnvelope, ctx: ScanContext) => void;
  /** What the learner needs to train on this message later (tokens, the scan's own facts), stored in the scan record. */
  readonly training?: (ctx: ScanContext, verdict: ScanVerdict) => Readonly<Record<string, unknown>> | null;
  /** Headers to add for every recipient given the final action and score (the outbound routing tag for the risky IP pool). */
  readonly headers?: (
    verdict: Pick<ScanVerdict, 'action' | 'score'>,
    envelope: ScanEnvelope,
  ) => readonly (readonly [string, string])[];
}

/**
 * Checks that must not fail silently: the virus scanner. When one of their tempfail symbols is hit the message was not
 * scanned, and `onFailure` (CLAMAV_ON_FAILURE) decides: `defer` answers 451 4.3.0 for every recipient whatever the
 * score (the sender retries; nothing unscanned is delivered), `accept` lets the score decide and marks the copy with
 * `X-Virus-Status: Unscanned` (the tempfail symbol is in X-Spam-Symbols as usual). A forced action still wins.
 */
export interface UnscannedPolicy {
  readonly tempfails: ReadonlySet<string>;
  readonly onFailure: 'defer' | 'accept';
}

export interface ScanServiceDeps {
  readonly checks: readonly Check[];
  readonly registry: SymbolRegistry;
  readonly policies: PolicyService;
  readonly greylist: GreylistService;
  readonly reputation: ReputationService;
  readonly log: ScanLogWriter;
  readonly ids: ReferenceIdGenerator;
  readonly clock: Clock;
  readonly metrics: MetricsService;
  readonly pipeline: PipelineOptions;
  /** Parses, tokenizes, fingerprints and runs the content heuristics: on this thread or on worker threads. */
  readonly analysis: AnalysisRunner;
  /** Where copies refused for one recipient while others accept are kept (see delivery-plan.ts). */
  readonly quarantine: QuarantineStore;
  /** How long a quarantined copy is kept (QUARANTINE_RETENTION_DAYS). */
  readonly quarantineRetentionMs: number;
  /** The API's release tickets (a message it re-injects and vouches for is delivered without a second verdict). */
  readonly tickets: ReleaseTickets;
  readonly extensions?: ScanExtensions;
  readonly unscanned?: UnscannedPolicy;
}

const log = new Logger('ScanService');

/** Refusals of the message's framing (framingProblem): the symbol the record shows, never a score. */
export const FRAMING_SYMBOL = 'SMTP_BAD_FRAMING';
/** A release ticket (RELEASE_HEADER) that did not redeem: the message is scanned like any other; the record says why. */
export const RELEASE_TICKET_SYMBOL = 'RELEASE_TICKET_INVALID';

/** The context a scan builds: its analysis is always there (only hand-made contexts in check specs lack one). */
type AnalysedContext = ScanContext & { readonly analysis: MessageAnalysis };

/**
 * One message + envelope → an explained verdict, per recipient: analyse the bytes once (parse, tokens, fingerprint,
 * content heuristics — on a worker thread when SCAN_THREADS > 0), run every check under its timeout and
 * the overall deadline, score each recipient with their own layered policy, greylist only the undecided band, answer,
 * and hand the record to the message log without waiting for it.
 */
export class ScanService {
  constructor(private readonly d: ScanServiceDeps) {}

  async scan(envelope: ScanEnvelope, raw: Buffer): Promise<ScanVerdict> {
    const started = performance.now();
    // The API vouches for a message it re-injects (a release, a digest) with a one-time ticket bound to this body,
    // sender and recipients: redeemed, the message is delivered as released, without a second verdict.
    const token = headerValue(raw, RELEASE_HEADER);
    let ticketProblem: string | null = null;
    if (token) {
      const redeemed = await this.d.tickets
        .redeem({ token, bodyDigest: bodyDigest(raw), mailFrom: envelope.mailFrom, rcptTo: envelope.rcptTo })
        .catch(() => ({ ok: false as const, problem: 'unavailable' as const }));
      if (redeemed.ok) return this.released(redeemed.ticket, envelope, started);
      ticketProblem = redeemed.problem;
    }
    const reference = this.d.ids.next();
    // Every log line written during this scan (and by what it starts: auto-block, notices) carries its reference.
    return withLogFields({ reference }, () => this.scanAs(reference, started, envelope, raw, ticketProblem));
  }

  private async scanAs(
    reference: string,
    started: number,
    envelope: ScanEnvelope,
    raw: Buffer,
    ticketProblem: string | null,
  ): Promise<ScanVerdict> {
    const analysis = await this.d.analysis.analyse(raw);
    const message = analysis.message;
    const senderDomain = domainOf(envelope.mailFrom) ?? domainOf(message.from?.address ?? '');
    const ctx: AnalysedContext = { envelope, raw, message, senderDomain, analysis };

    const checked = await runChecks(this.d.checks, ctx, this.d.pipeline, started);
    const outcomes = checked.outcomes;
    // Allows that need an authenticated sender are decided now that the auth check has reported (list-conditions.ts).
    const checkHits = applyListConditions(checked.hits);
    for (const o of outcomes) {
      this.d.metrics.observeCheck(o.check, o.ms / 1000);
      if (o.status !== 'ok') this.d.metrics.checkOutcomes.inc({ check: o.check, status: o.status });
    }
    // A bare CR or NUL is refused whatever the score (no allow entry may let smuggled bytes through to the next hop).
    const framing = framingProblem(raw);
    const extraHits: SymbolHit[] = [];
    if (framing) extraHits.push({ name: FRAMING_SYMBOL, options: [framing] });
    if (ticketProblem) extraHits.push({ name: RELEASE_TICKET_SYMBOL, options: [ticketProblem] });
    const hits: readonly SymbolHit[] = extraHits.length ? [...checkHits, ...extraHits] : checkHits;
    for (const name of new Set(hits.map((h) => h.name))) this.d.metrics.countSymbol(name);
    const forced: Action | null = framing
      ? 'reject'
      : (this.d.extensions?.forcedAction?.(hits, envelope) ?? null);
    const unscanned = this.d.unscanned
      ? (hits.find((h) => this.d.unscanned!.tempfails.has(h.name)) ?? null)
      : null;
    const deferred = forced === null && unscanned !== null && this.d.unscanned?.onFailure === 'defer';

    const recipients: Omit<RecipientVerdict, 'disposition'>[] = [];
    const planned: PlannedRecipient[] = [];
    let sharedSymbols: ScoredSymbol[] = [];
    for (const rcpt of envelope.rcptTo) {
      const { policy, problem } = await this.d.policies.forRecipient(rcpt);
      const scored = scoreRecipient(hits, this.d.registry, policy, rcpt);
      if (sharedSymbols.length === 0) sharedSymbols = scored.shared;
      // The policy's forced actions (GTUBE, a DMARC reject or quarantine without a local override) decide at least
      // this much whatever the score; a higher score still wins, and a decided verdict is never greylisted.
      const byPolicy =
        forced === null && !deferred
          ? forcedActionFor([...scored.shared, ...scored.own], policy, envelope.direction)
          : null;
      const byScore = actionForScore(scored.score, policy, envelope.direction);
      let action: Action = deferred
        ? 'greylist'
        : (forced ?? (byPolicy ? mostSevere([byScore, byPolicy.action]) : byScore));
      const decidedBy = byPolicy && action === byPolicy.action && action !== byScore ? byPolicy : null;
      const own = [...scored.own];
      if (
        forced === null &&
        !deferred &&
        byPolicy === null &&
        inGreylistBand(scored.score, policy, envelope.direction)
      ) {
        const state = await this.greylistState(envelope, rcpt, policy);
        own.push({
          name: 'GREYLIST',
          group: 'greylist',
          description: 'Greylisting triplet state',
          weight: 0,
          score: 0,
          options: [state],
        });
        if (state === 'new' || state === 'early') action = 'greylist';
      }
      const reason =
        framing ??
        (deferred
          ? `deferred: not scanned, ${unscanned!.name}(${unscanned!.options?.[0] ?? ''})`
          : reasonFor(
              action,
              scored.score,
              policy,
              envelope.direction,
              [...scored.shared, ...own],
              problem,
              decidedBy,
            ));
      recipients.push({
        recipient: rcpt,
        action,
        score: scored.score,
        thresholds: {
          tag: policy.thresholds.tag,
          greylist: policy.greylisting.enabled ? policy.thresholds.greylist : null,
          reject: policy.thresholds.reject,
        },
        symbols: own,
        reason,
        smtp: framing
          ? framingReply(framing, reference)
          : deferred
            ? unscannedReplyFor(reference)
            : smtpReplyFor(action, reference, reason),
        headers: recipientHeaders(action, scored.score, policy),
      });
      // The recipient may keep spam in the quarantine instead of Junk or a refusal (spamHandling), and a forced-action
      // rule may ask for the quarantine (e.g. DMARC p=quarantine); never what was forced otherwise (framing, outbound).
      const keptByRule = byPolicy !== null && byPolicy.kind === 'quarantine' && action === byPolicy.action;
      const quarantine =
        forced === null && !deferred && (keptByRule || quarantinesFor(action, policy, envelope.direction));
      planned.push({
        recipient: rcpt,
        action,
        score: scored.score,
        tagThreshold: policy.thresholds.tag,
        symbols: own,
        quarantine,
      });
    }

    const { action, smtpAction } = overallAction(recipients.map((r) => r.action));
    const score = recipients.reduce((m, r) => Math.max(m, r.score), Number.NEGATIVE_INFINITY);
    const lead = recipients.find((r) => r.action === action) ?? recipients[0];
    const reason =
      recipients.length === 1 || recipients.every((r) => r.action === action)
        ? lead.reason
        : `${lead.reason} (${summarise(recipients)})`;
    const smtpLead = recipients.find((r) => r.action === smtpAction) ?? lead;
    // Message-level headers every copy carries: the extensions' (outbound pool) and the checks' (Authentication-Results).
    const extra = [
      ...(this.d.extensions?.headers?.({ action, score }, envelope) ?? []),
      ...traceHeaders(this.d.checks, hits, ctx),
    ];
    // CLAMAV_ON_FAILURE=accept: every copy says it was not virus-scanned (UnscannedPolicy).
    if (unscanned !== null && !deferred) extra.push(['X-Virus-Status', 'Unscanned']);
    const headers: [string, string][] = [
      ['X-Spam-Reference', reference],
      ['X-Spam-Score', score.toFixed(2)],
      [
        'X-Spam-Status',
        `${action === 'accept' || action === 'greylist' ? 'No' : 'Yes'}, score=${score.toFixed(2)} action=${action}`,
      ],
    ];
    const symbolsHeader = symbolsLine([...sharedSymbols, ...recipients.flatMap((r) => r.symbols)]);
    if (symbolsHeader) headers.push(['X-Spam-Symbols', symbolsHeader]);
    for (const [name, value] of extra) headers.push([name, value]);

    const planInput: PlanInput = {
      direction: envelope.direction,
      reference,
      recipients: planned,
      shared: sharedSymbols,
      messageHeaders: extra,
    };
    let { delivery, dispositions } = planDelivery(planInput);
    // Outbound, a refusal of any recipient refuses the message (the verdict is about the sending account).
    const answered = envelope.direction === 'outbound' && delivery.outcome === 'refuse' ? action : smtpAction;
    let smtp = framing
      ? framingReply(framing, reference)
      : deferred
        ? unscannedReplyFor(reference)
        : answered === action
          ? smtpReplyFor(action, reference, reason)
          : smtpReplyFor(answered, reference, smtpLead.reason);
    // Accepted (some copy delivered or kept): the sender is told 250 whatever the worst recipient's action was.
    if (delivery.outcome === 'deliver' && smtp.code !== 250) smtp = smtpReplyFor('accept', reference, reason);
    if (dispositions.some((d) => d === 'quarantined' || d === 'held')) {
      const kept = await this.keepCopies(planInput, planned, dispositions, recipients, ctx);
      if (!kept) {
        // The copies could not be kept: deliver nothing, the sender retries (never deliver them, never lose them).
        delivery = { outcome: 'tempfail', copies: [] };
        dispositions = recipients.map(() => 'deferred');
        smtp = {
          code: 451,
          enhanced: '4.3.0',
          message: `Temporary local problem, please try again later (ref ${reference})`,
        };
      }
    }

    const elapsedMs = Math.round((performance.now() - started) * 100) / 100;
    const verdict: ScanVerdict = {
      reference,
      action,
      score,
      recipients: recipients.map((r, i) => ({ ...r, disposition: dispositions[i] })),
      symbols: sharedSymbols,
      headers,
      reason,
      smtp,
      delivery,
      elapsedMs,
    };

    this.afterVerdict(verdict, ctx);
    return verdict;
  }

  /**
   * Keeps the copies the plan does not deliver: one per quarantined recipient (owned by them), and for held outbound
   * mail one copy for all its recipients (owned by the sending account); false when the store failed (counted).
   */
  private async keepCopies(
    input: PlanInput,
    planned: readonly PlannedRecipient[],
    dispositions: readonly RecipientVerdict['disposition'][],
    verdicts: readonly Omit<RecipientVerdict, 'disposition'>[],
    ctx: AnalysedContext,
  ): Promise<boolean> {
    const now = this.d.clock.now();
    const from = ctx.message.from;
    const e = ctx.envelope;
    const common = {
      reference: input.reference,
      direction: input.direction,
      mailFrom: e.mailFrom,
      headerFrom: from ? (from.name ? `${from.name} <${from.address}>` : from.address) : null,
      subject: ctx.message.subject,
      createdAt: new Date(now),
      expiresAt: new Date(now + this.d.quarantineRetentionMs),
    };
    const reasonOf = (r: PlannedRecipient): string =>
      verdicts.find((v) => v.recipient === r.recipient)?.reason ?? '';
    const copies: QuarantineCopy[] = planned
      .filter((_, i) => dispositions[i] === 'quarantined')
      .map((r) => ({
        ...common,
        recipient: r.recipient,
        owner: r.recipient,
        reason: reasonOf(r),
        raw: withHeaders(quarantineHeaders(input, r), ctx.raw),
      }));
    const held = planned.filter((_, i) => dispositions[i] === 'held');
    const first = held[0];
    if (first) {
      copies.push({
        ...common,
        recipient: first.recipient,
        rcptTo: held.map((r) => r.recipient),
        owner: e.authUser ?? e.mailFrom,
        reason: reasonOf(first),
        raw: withHeaders(quarantineHeaders(input, first), ctx.raw),
      });
    }
    try {
      await this.d.quarantine.keep(copies);
      this.d.metrics.quarantined.inc(copies.length);
      return true;
    } catch (err) {
      this.d.metrics.quarantineErrors.inc();
      log.warn(`quarantine store failed, answering 451: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  /**
   * The verdict for a message the API vouched for with a redeemed ticket: delivered to exactly the ticket's
   * recipients, under the reference the ticket names (the quarantined message's own, so marks by reference still
   * work), with headers that say so and nothing that files it in Junk. Not written to the message log: the API
   * records the release on the original record.
   */
  private async released(
    ticket: ReleaseTicketEntity,
    envelope: ScanEnvelope,
    started: number,
  ): Promise<ScanVerdict> {
    const reference = ticket.reference;
    const release = ticket.purpose === 'release';
    const reason = release ? `released from the quarantine by ${ticket.issuedBy}` : 'quarantine digest';
    const smtp = smtpReplyFor('accept', reference, reason);
    const headers: [string, string][] = [['X-Spam-Reference', reference]];
    if (release)
      headers.push(
        ['X-Spam-Status', 'No, released from the quarantine'],
        ['X-Spam-Released', ticket.issuedBy.replace(/[\r\n]/g, ' ')],
      );
    const recipients: RecipientVerdict[] = [];
    for (const rcpt of envelope.rcptTo) {
      const { policy } = await this.d.policies.forRecipient(rcpt);
      const t = policy.thresholds;
      recipients.push({
        recipient: rcpt,
        action: 'accept',
        score: 0,
        thresholds: {
          tag: t.tag,
          greylist: policy.greylisting.enabled ? t.greylist : null,
          reject: t.reject,
        },
        symbols: [],
        reason,
        smtp,
        disposition: release ? 'released' : 'delivered',
      });
    }
    this.d.metrics.released.inc({ purpose: ticket.purpose });
    return {
      reference,
      action: 'accept',
      score: 0,
      recipients,
      symbols: [],
      headers,
      reason,
      smtp,
      delivery: { outcome: 'deliver', copies: [{ recipients: [...envelope.rcptTo], headers }] },
      elapsedMs: Math.round((performance.now() - started) * 100) / 100,
    };
  }

  private async greylistState(
    envelope: ScanEnvelope,
    recipient: string,
    policy: Policy,
  ): Promise<GreylistState | 'error'> {
    try {
      return await this.d.greylist.check(
        { clientIp: envelope.clientIp, sender: envelope.mailFrom, recipient },
        policy.greylisting,
      );
    } catch {
      // The counter store is down: greylisting is a nicety, never the reason mail waits — let it through.
      return 'error';
    }
  }

  private afterVerdict(verdict: ScanVerdict, ctx: AnalysedContext): void {
    const e = ctx.envelope;
    this.d.metrics.scans.inc({ action: verdict.action, direction: e.direction });
    this.d.metrics.duration.observe(verdict.elapsedMs / 1000);
    // Reputation learns weakly from our own confident verdicts (reputation.service selfLabel; not from list-decided mail).
    const listed = [...verdict.symbols, ...verdict.recipients.flatMap((r) => r.symbols)].some(
      (s) => s.group === 'lists',
    );
    if (e.direction === 'inbound' && !listed) {
      const label = this.d.reputation.selfLabel(verdict.action, verdict.score);
      if (label) this.d.reputation.record(e.clientIp, ctx.senderDomain, label, 1);
    }
    // Nothing below is needed when there is no message log (embedded default without a database).
    if (!this.d.log.enabled) {
      this.notify(verdict, ctx);
      return;
    }
    let training: Readonly<Record<string, unknown>> | null = null;
    try {
      training = this.d.extensions?.training?.(ctx, verdict) ?? null;
    } catch {
      training = null;
    }
    const record: ScanLogRecord = {
      reference: verdict.reference,
      createdAt: new Date(this.d.clock.now()),
      direction: e.direction,
      clientIp: e.clientIp,
      helo: e.helo,
      mailFrom: e.mailFrom,
      authUser: e.authUser ?? null,
      queueId: e.queueId ?? null,
      headerFrom: ctx.message.from
        ? ctx.message.from.name
          ? `${ctx.message.from.name} <${ctx.message.from.address}>`
          : ctx.message.from.address
        : null,
      subject: ctx.message.subject,
      messageFingerprint: ctx.analysis.fingerprint,
      size: ctx.raw.length,
      action: verdict.action,
      score: verdict.score,
      symbols: verdict.symbols,
      smtpReply: verdict.smtp,
      headers: verdict.headers,
      training,
      elapsedMs: Math.round(verdict.elapsedMs),
      recipients: verdict.recipients.map((r) => ({
        recipient: r.recipient,
        action: r.action,
        score: r.score,
        symbols: r.symbols,
        reason: r.reason,
        disposition: r.disposition,
      })),
    };
    this.d.log.enqueue(record);
    this.notify(verdict, ctx);
  }

  private notify(verdict: ScanVerdict, ctx: ScanContext): void {
    try {
      this.d.extensions?.onVerdict?.(verdict, ctx.envelope, ctx);
    } catch {
      // A listener's bug must not turn an answered scan into an error.
    }
  }
}

/** Each check's message-level headers (Authentication-Results); a check's bug costs its header, not the scan. */
function traceHeaders(
  checks: readonly Check[],
  hits: readonly SymbolHit[],
  ctx: ScanContext,
): (readonly [string, string])[] {
  const out: (readonly [string, string])[] = [];
  for (const c of checks) {
    try {
      out.push(...(c.headers?.(hits, ctx) ?? []));
    } catch {
      // nothing: the verdict stands without this header
    }
  }
  return out;
}

function domainOf(address: string): string | null {
  const at = address.lastIndexOf('@');
  return at < 0 || at === address.length - 1 ? null : address.slice(at + 1).toLowerCase();
}

function reasonFor(
  action: Action,
  score: number,
  policy: Policy,
  direction: ScanEnvelope['direction'],
  symbols: readonly ScoredSymbol[],
  problem: string | null,
  forced: ForcedVerdict | null = null,
): string {
  const top = [...symbols]
    .filter((s) => s.score !== 0 || s.name === 'GREYLIST')
    .sort((a, b) => Math.abs(b.score) - Math.abs(a.score))
    .slice(0, 3)
    .map((s) => (s.options.length ? `${s.name}(${s.options[0]})` : s.name));
  const t = policy.thresholds;
  let head: string;
  switch (action) {
    case 'accept':
      head = `accepted: score ${score.toFixed(2)} below ${direction === 'outbound' ? `hold ${policy.outbound.hold}` : `tag ${t.tag}`}`;
      break;
    case 'tag':
      head = `tagged as spam: score ${score.toFixed(2)} ≥ ${t.tag}`;
      break;
    case 'greylist':
      head = `greylisted: unknown sender/recipient pair with score ${score.toFixed(2)} in the greylisting band`;
      break;
    case 'reject':
      // A virus is named as such (CLAMAV_VIRUS outweighs everything else, so it leads `top` below).
      head = symbols.some((s) => s.group === 'antivirus' && s.score > 0)
        ? `virus found (score ${score.toFixed(2)})`
        : `refused as spam: score ${score.toFixed(2)} ≥ ${direction === 'outbound' ? policy.outbound.reject : t.reject}`;
      break;
    case 'hold':
      head = `held for review: score ${score.toFixed(2)} ≥ ${policy.outbound.hold}`;
      break;
    case 'defer':
      head = 'deferred: sending rate limit exceeded';
      break;
    case 'block':
      head = 'refused: sending account blocked';
      break;
  }
  if (forced) {
    const what = `${forced.reason}${forced.detail ? ` (${forced.detail})` : ''}`;
    head = `${forced.action === 'reject' ? 'refused' : forced.kind === 'quarantine' ? 'quarantined (tagged)' : 'tagged'} by policy ${forced.rule}: ${what}, score ${score.toFixed(2)}`;
  }
  const parts = [head];
  if (top.length) parts.push(`by ${top.join(', ')}`);
  if (problem) parts.push(`(stored policy ignored: ${problem.slice(0, 160)})`);
  return parts.join(' ');
}

function summarise(recipients: readonly Pick<RecipientVerdict, 'action'>[]): string {
  const counts = new Map<Action, number>();
  for (const r of recipients) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  return [...counts].map(([a, n]) => `${n} ${a}`).join(', ');
}

function recipientHeaders(action: Action, score: number, policy: Policy): [string, string][] {
  const spam = action === 'tag' || action === 'reject' || action === 'hold';
  const h: [string, string][] = [
    [
      'X-Spam-Status',
      `${spam ? 'Yes' : 'No'}, score=${score.toFixed(2)} required=${policy.thresholds.tag.toFixed(2)}`,
    ],
  ];
  if (spam) h.push(['X-Spam-Flag', 'YES']);
  return h;
}

/** 550 5.6.0 for a message whose bytes we must not pass on (framingProblem). */
function framingReply(problem: string, reference: string): SmtpReply {
  return { code: 550, enhanced: '5.6.0', message: `Message refused: ${problem} (ref ${reference})` };
}

/** The raw message with header lines put in front (a quarantined copy as its recipient would have received it). */
function withHeaders(headers: readonly (readonly [string, string])[], raw: Buffer): Buffer {
  return Buffer.concat([Buffer.from(headers.map(([k, v]) => `${k}: ${v}\r\n`).join(''), 'utf8'), raw]);
}
