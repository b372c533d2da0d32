import type { Action, ScanEnvelope, SmtpReply, SymbolHit } from '@spamfilter/domain';
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
  ) {}

  async check(envelope: ScanEnvelope): Promise<RecipientAnswer> {
    const rcpt = envelope.rcptTo[0];
    const reference = this.ids.next();
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
    return { action, smtp: smtpReplyFor(action, reference, reason), reason, greylist };
  }
}
