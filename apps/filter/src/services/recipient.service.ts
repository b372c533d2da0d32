import type { Action, ScanEnvelope, ScoredSymbol, SmtpReply, SymbolHit } from '@spamfilter/domain';
import type { RecipientOwner } from '@spamfilter/persistence';
import {
  actionForScore,
  quarantinesFor,
  scoreRecipient,
  smtpReplyFor,
  type SymbolRegistry,
} from '@spamfilter/scoring';
import { matchLists } from '../checks/lists/lists.check';
import type { ListSource } from '../checks/lists/list-source';
import type { Clock, ReferenceIdGenerator } from './clock';
import type { GreylistService, GreylistState } from './greylist.service';
import type { PolicyService } from './policy.service';
import type { ReleaseTickets } from './release-tickets';
import type { ScanLogRecord, ScanLogWriter } from './scan-log.writer';

export interface RecipientAnswer {
  readonly action: Action;
  readonly smtp: SmtpReply;
  readonly reason: string;
  /** The reference of a refusal (also in `smtp`'s text and in the message log); null when the recipient passes. */
  readonly reference: string | null;
  /** The triplet's greylisting state, for information: greylisting itself is decided at end of DATA. */
  readonly greylist: GreylistState | 'unknown';
  /**
   * Inbound: is the recipient's domain hosted here (the database's domains)? null when the filter cannot tell (no
   * database, or it is down): the MX then falls back to its static host_list. Outbound: null (relaying is the
   * authenticated sender's right).
   */
  readonly hosted: boolean | null;
  /** Inbound, hosted: does a user exist for the address? null when unknown to the filter. */
  readonly mailbox: 'known' | 'unknown' | null;
  /**
   * The refusal an MX that takes its hosted domains from the filter gives (550 5.7.1 relaying denied, 550 5.1.1 no
   * such user), apart from `action`, which stays the lists' answer: an MX that accepted the domain from its own
   * host_list applies `action` alone.
   */
  readonly hosting: { readonly smtp: SmtpReply; readonly reason: string } | null;
}

/** Who hosts a recipient: the filter's recipient directory (RecipientDirectory over the database's users). */
export interface RecipientHosting {
  owners(addresses: readonly string[]): Promise<Map<string, RecipientOwner | null>>;
}

/**
 * The hosted-domain answer, pure: a domain not hosted is relaying (RFC 5321 §3.6.2: an MX accepts mail only for the
 * domains it serves), refused with 550 5.7.1; an address without a user in a domain that asks for recipient
 * validation is refused with 550 5.1.1 (RFC 3463: bad destination mailbox) at RCPT, so no bounce is ever sent to a
 * forged sender (no backscatter). Null: the recipient may be accepted.
 */
export function hostingRefusal(
  rcpt: string,
  owner: RecipientOwner | null,
  reference: string,
): { smtp: SmtpReply; reason: string; mailbox: 'known' | 'unknown' | null } | null {
  if (!owner) {
    const domain = rcpt.slice(rcpt.lastIndexOf('@') + 1);
    return {
      smtp: {
        code: 550,
        enhanced: '5.7.1',
        message: `Relaying denied: ${domain} is not served here (ref ${reference})`,
      },
      reason: 'relaying denied',
      mailbox: null,
    };
  }
  if (owner.userId === null && owner.unknownRecipients === 'reject')
    return {
      smtp: { code: 550, enhanced: '5.1.1', message: `No such user here (ref ${reference})` },
      reason: 'no such user',
      mailbox: 'unknown',
    };
  return null;
}

export interface RecipientServiceDeps {
  readonly lists: ListSource;
  readonly registry: SymbolRegistry;
  readonly policies: PolicyService;
  readonly greylist: GreylistService;
  readonly ids: ReferenceIdGenerator;
  /** The message log: every refusal is written to it under its reference, like a scan's verdict. */
  readonly log: ScanLogWriter;
  readonly clock: Clock;
  readonly tickets: ReleaseTickets;
  /** Who hosts a recipient (hosted domains, known mailboxes); null: the MX's own host_list decides. */
  readonly hosting?: RecipientHosting | null;
}

/**
 * Pre-DATA answer for one RCPT TO, or at connect (no recipient): only what is known without the content — the
 * recipient's, their domain's and the global lists by sender address, domain, IP and CIDR (at connect: the global
 * lists by IP), scored with the recipient's policy (at connect: the global one). A block → 550 5.7.1 for that
 * recipient alone (554 5.7.1 at connect, RFC 5321 §3.1, and the plugin disconnects). Greylisting is NOT applied here:
 * DESIGN.md exempts mail that is already clearly ham or spam, which needs the content, so the filter greylists at
 * end of DATA with 451 4.7.1 (as rspamd does).
 *
 * A refusal is written to the message log under its reference (action reject, the recipient's disposition
 * "refused"), so the reference in the bounce leads to /why, the operator's transcript and the recipient's verdicts.
 */
export class RecipientService {
  constructor(private readonly d: RecipientServiceDeps) {}

  async check(envelope: ScanEnvelope): Promise<RecipientAnswer> {
    const started = performance.now();
    const rcpt: string | undefined = envelope.rcptTo[0];
    const reference = this.d.ids.next();
    let hosted: boolean | null = null;
    let mailbox: RecipientAnswer['mailbox'] = null;
    let hosting: RecipientAnswer['hosting'] = null;
    if (this.d.hosting && envelope.direction === 'inbound' && rcpt !== undefined) {
      try {
        const owner = (await this.d.hosting.owners([rcpt])).get(rcpt) ?? null;
        const refusal = hostingRefusal(rcpt.toLowerCase(), owner, reference);
        hosted = owner !== null;
        mailbox = owner ? (owner.userId ? 'known' : 'unknown') : null;
        hosting = refusal ? { smtp: refusal.smtp, reason: refusal.reason } : null;
      } catch {
        // Directory unreadable: say nothing about hosting; the MX falls back to its host_list.
        hosted = null;
      }
    }
    let hits: SymbolHit[];
    try {
      const entries = await this.d.lists.entriesFor(rcpt === undefined ? [] : [rcpt], envelope.direction);
      // No From header and no authentication results before DATA: allows that need them stay unapplied here.
      hits = matchLists(entries, {
        mailFrom: envelope.mailFrom,
        from: '',
        ip: envelope.clientIp,
        recipients: rcpt === undefined ? [] : [rcpt],
      });
    } catch {
      // Lists unreadable: say nothing now; the scan at end of DATA reports LISTS_TEMPFAIL.
      hits = [];
    }
    // At connect there is no recipient yet: the global layers decide (the policy of an address in no domain).
    const { policy } = await this.d.policies.forRecipient(rcpt ?? '');
    const scored = scoreRecipient(hits, this.d.registry, policy, rcpt ?? '');
    let action: Action =
      actionForScore(scored.score, policy, envelope.direction) === 'reject' ? 'reject' : 'accept';
    const names = [...scored.shared, ...scored.own].map((s) => `${s.name}(${s.options[0] ?? ''})`);
    const blocked = rcpt === undefined ? 'client blocked' : 'sender blocked for this recipient';
    let reason =
      action === 'reject'
        ? `${blocked}: ${names.join(', ')}`
        : names.length
          ? `listed: ${names.join(', ')}`
          : 'no list entry';
    // Not refused at RCPT but decided after DATA: a recipient who keeps spam in the quarantine instead of refusing
    // it, and a release of their quarantined copy that is on its way (its ticket is checked after DATA).
    if (
      action === 'reject' &&
      rcpt !== undefined &&
      (quarantinesFor('reject', policy, envelope.direction) ||
        (await this.releasePending(envelope.mailFrom, rcpt)))
    ) {
      action = 'accept';
      reason = `${blocked}, decided after DATA (quarantine): ${names.join(', ')}`;
    }
    let greylist: RecipientAnswer['greylist'] = 'unknown';
    if (rcpt !== undefined) {
      try {
        greylist = await this.d.greylist.peek({
          clientIp: envelope.clientIp,
          sender: envelope.mailFrom,
          recipient: rcpt,
        });
      } catch {
        greylist = 'unknown';
      }
    }
    const reply = smtpReplyFor(action, reference, reason);
    const smtp = action === 'reject' && rcpt === undefined ? { ...reply, code: 554 } : reply;
    if (action === 'reject')
      this.logRefusal(
        envelope,
        reference,
        { score: scored.score, shared: scored.shared, own: scored.own },
        reason,
        smtp,
        started,
      );
    return {
      action,
      smtp,
      reason,
      reference: action === 'reject' ? reference : null,
      greylist,
      hosted,
      mailbox,
      hosting,
    };
  }

  private async releasePending(mailFrom: string, rcpt: string): Promise<boolean> {
    try {
      return await this.d.tickets.pendingFor(mailFrom, rcpt);
    } catch {
      return false;
    }
  }

  private logRefusal(
    envelope: ScanEnvelope,
    reference: string,
    scored: {
      readonly score: number;
      readonly shared: readonly ScoredSymbol[];
      readonly own: readonly ScoredSymbol[];
    },
    reason: string,
    smtp: SmtpReply,
    started: number,
  ): void {
    if (!this.d.log.enabled) return;
    const rcpt = envelope.rcptTo[0];
    const record: ScanLogRecord = {
      reference,
      createdAt: new Date(this.d.clock.now()),
      direction: envelope.direction,
      clientIp: envelope.clientIp,
      helo: envelope.helo,
      mailFrom: envelope.mailFrom,
      authUser: envelope.authUser ?? null,
      queueId: envelope.queueId ?? null,
      headerFrom: null,
      subject: null,
      // No message was received: a fingerprint of its own, so no mark or look-up by fingerprint ever matches it.
      messageFingerprint: `refused:${reference}`,
      size: 0,
      action: 'reject',
      score: scored.score,
      symbols: scored.shared,
      smtpReply: smtp,
      headers: [],
      training: null,
      elapsedMs: Math.round(performance.now() - started),
      recipients:
        rcpt === undefined
          ? []
          : [
              {
                recipient: rcpt,
                action: 'reject',
                score: scored.score,
                symbols: scored.own,
                reason,
                disposition: 'refused',
              },
            ],
    };
    this.d.log.enqueue(record);
  }
}
