import type { Action, ScanEnvelope, SmtpReply, SymbolHit } from '@spamfilter/domain';
import type { RecipientOwner } from '@spamfilter/persistence';
import { actionForScore, scoreRecipient, smtpReplyFor, type SymbolRegistry } from '@spamfilter/scoring';
import { matchLists } from '../checks/lists/lists.check';
import type { ListSource } from '../checks/lists/list-source';
import type { ReferenceIdGenerator } from './clock';
import type { GreylistService, GreylistState } from './greylist.service';
import type { PolicyService } from './policy.service';

export interface RecipientAnswer {
  readonly action: Action;
  readonly smtp: SmtpReply;
  readonly reason: string;
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
export function hostingRefusal(rcpt: string, owner: RecipientOwner | null, reference: string): { smtp: SmtpReply; reason: string; mailbox: 'known' | 'unknown' | null } | null {
  if (!owner) {
    const domain = rcpt.slice(rcpt.lastIndexOf('@') + 1);
    return { smtp: { code: 550, enhanced: '5.7.1', message: `Relaying denied: ${domain} is not served here (ref ${reference})` }, reason: 'relaying denied', mailbox: null };
  }
  if (owner.userId === null && owner.unknownRecipients === 'reject')
    return { smtp: { code: 550, enhanced: '5.1.1', message: `No such user here (ref ${reference})` }, reason: 'no such user', mailbox: 'unknown' };
  return null;
}

/**
 * Pre-DATA answer for one RCPT TO: only what is known without the content — the recipient's, their domain's and the
 * global lists by sender address, domain, IP and CIDR, scored with the recipient's policy. A block → 550 5.7.1 for
 * that recipient alone. Greylisting is NOT applied here: DESIGN.md exempts mail that is already clearly ham or spam,
 * which needs the content, so the filter greylists at end of DATA with 451 4.7.1 (as rspamd does).
 */
export class RecipientService {
  constructor(
    private readonly lists: ListSource,
    private readonly registry: SymbolRegistry,
    private readonly policies: PolicyService,
    private readonly greylist: GreylistService,
    private readonly ids: ReferenceIdGenerator,
    private readonly hosting: RecipientHosting | null = null,
  ) {}

  async check(envelope: ScanEnvelope): Promise<RecipientAnswer> {
    const rcpt = envelope.rcptTo[0];
    const reference = this.ids.next();
    let hosted: boolean | null = null;
    let mailbox: RecipientAnswer['mailbox'] = null;
    let hosting: RecipientAnswer['hosting'] = null;
    if (this.hosting && envelope.direction === 'inbound') {
      try {
        const owner = (await this.hosting.owners([rcpt])).get(rcpt) ?? null;
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
      const entries = await this.lists.entriesFor([rcpt], envelope.direction);
      // No From header and no authentication results before DATA: allows that need them stay unapplied here.
      hits = matchLists(entries, { mailFrom: envelope.mailFrom, from: '', ip: envelope.clientIp, recipients: [rcpt] });
    } catch {
      // Lists unreadable: say nothing now; the scan at end of DATA reports LISTS_TEMPFAIL.
      hits = [];
    }
    const { policy } = await this.policies.forRecipient(rcpt);
    const scored = scoreRecipient(hits, this.registry, policy, rcpt);
    const action = actionForScore(scored.score, policy, envelope.direction) === 'reject' ? 'reject' : 'accept';
    const names = [...scored.shared, ...scored.own].map((s) => `${s.name}(${s.options[0] ?? ''})`);
    const reason = action === 'reject' ? `sender blocked for this recipient: ${names.join(', ')}` : names.length ? `listed: ${names.join(', ')}` : 'no list entry';
    let greylist: RecipientAnswer['greylist'] = 'unknown';
    try {
      greylist = await this.greylist.peek({ clientIp: envelope.clientIp, sender: envelope.mailFrom, recipient: rcpt });
    } catch {
      greylist = 'unknown';
    }
    return { action, smtp: smtpReplyFor(action, reference, reason), reason, greylist, hosted, mailbox, hosting };
  }
}
