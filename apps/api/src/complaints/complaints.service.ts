import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import type { Standing } from '@spamfilter/domain';
import { ComplaintRepository, OutboundStandingRepository } from '@spamfilter/persistence';
import { OutboundAccountsService } from '../operator/outbound-accounts.service';
import { isComplaint, parseArf, type FeedbackReport } from './arf-parser';
import { ComplaintCampaigns } from './complaint-campaigns';
import { complaintKey } from './complaint-identity';

export interface ComplaintResult {
  readonly id: number;
  readonly feedbackType: string;
  readonly reference: string | null;
  /** The sending account the complaint was attributed to; null when the report carried no reference of ours. */
  readonly account: string | null;
  readonly counted: boolean;
  /** The same report (message, feedback type, source) was ingested before: nothing new is counted. */
  readonly duplicate: boolean;
  readonly standing: (Standing & { spamVerdicts: number; complaints: number }) | null;
  readonly defects: readonly string[];
}

/**
 * Feedback-loop ingestion: an ARF report (RFC 5965) → the reference stamped on the original (X-Spam-Reference) →
 * the outbound scan record → its sending account, whose standing the complaint then lowers. Reports without our
 * reference are kept (unattributed) for the operators; nothing is guessed from the redacted addresses. One report per
 * reported message, feedback type and source counts once (complaint-identity.ts): a repeat answers `duplicate`.
 */
@Injectable()
export class ComplaintsService {
  constructor(
    @Inject(ComplaintRepository) private readonly complaints: ComplaintRepository,
    @Inject(OutboundStandingRepository) private readonly standing: OutboundStandingRepository,
    @Inject(OutboundAccountsService) private readonly accounts: OutboundAccountsService,
    @Inject(ComplaintCampaigns) private readonly campaigns: ComplaintCampaigns,
  ) {}

  async ingest(raw: Buffer, now = new Date()): Promise<ComplaintResult> {
    if (raw.length === 0)
      throw new BadRequestException('send the ARF report as the body (Content-Type: message/rfc822)');
    const parsed = parseArf(raw);
    if (!parsed.ok) throw new BadRequestException(parsed.problem);
    const report: FeedbackReport = parsed.report;
    const account = report.reference ? await this.standing.accountOfReference(report.reference) : null;
    const { row, duplicate } = await this.complaints.addOnce({
      reference: report.reference,
      account,
      feedbackType: report.feedbackType.slice(0, 32),
      receivedAt: now,
      rawExcerpt: raw.subarray(0, 8192).toString('latin1'),
      dedupeKey: complaintKey(report, raw),
    });
    const counted = !duplicate && account !== null && isComplaint(report.feedbackType);
    // A complaint is also a spam vote on the reported message's campaign (complaint-campaigns.ts); a repeat votes once.
    if (!duplicate && isComplaint(report.feedbackType))
      await this.campaigns.report(report.reference, row.id, now);
    const standing = account && !duplicate ? await this.accounts.refreshStanding(account, now) : null;
    return {
      id: row.id,
      feedbackType: report.feedbackType,
      reference: report.reference,
      account,
      counted,
      duplicate,
      standing,
      defects: report.defects,
    };
  }
}
