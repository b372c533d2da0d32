import { Inject, Injectable } from '@nestjs/common';
import { readScanTraining } from '@spamfilter/bayes';
import type { AppConfig } from '@spamfilter/config';
import { ScanRecordEntity, runInTransaction } from '@spamfilter/persistence';
import { DataSource } from 'typeorm';
import { API_APP_CONFIG } from '../api-config.token';
import { AgreementBatch, publishCampaignChanges } from '../consumers/agreement-batch';
import { agreementSettings } from '../consumers/learner.service';

/**
 * An ARF complaint (RFC 5965) is a spam vote on the reported message's campaign: the recipient's provider says its
 * user marked it spam. Each complaint is a voter of its own (`arf:<complaint id>`, weight 1), so complaints about
 * near-copies from several recipients confirm a campaign like users' marks do — CAMPAIGN then fires for every
 * recipient of a near-copy, inbound or outbound (an account sending the same mail again). Only the scan record's token
 * ids are read, and only their MinHash signature is stored.
 */
@Injectable()
export class ComplaintCampaigns {
  constructor(
    private readonly db: DataSource,
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Votes for the reported scan's campaign; false when the scan is unknown or too short for a signature. */
  async report(reference: string | null, complaintId: number, now = new Date()): Promise<boolean> {
    if (!reference || this.config.learner.campaignUsers <= 0) return false;
    const record = await this.db
      .getRepository(ScanRecordEntity)
      .findOne({ where: { reference }, select: { reference: true, training: true } });
    const training = readScanTraining(record?.training);
    if (!training) return false;
    return runInTransaction(this.db, async (m) => {
      const agreement = new AgreementBatch(m, agreementSettings(this.config), now);
      const sig = agreement.signatureOf(training);
      if (!sig) return false;
      await agreement.prepare([]);
      await agreement.prepareNear(sig);
      const voter = `arf:${complaintId}`;
      await agreement.castVote(voter, voter, 'spam', sig);
      await agreement.flush();
      await publishCampaignChanges(m, agreement.changes, now);
      return true;
    });
  }
}
