import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ScanRecordEntity } from '../entities/scan-record.entity';
import { ComplaintRepository } from './complaint.repository';

export interface StandingCounts {
  readonly spamVerdicts: number;
  readonly complaints: number;
}

/** Outbound actions that are spam verdicts (the filter's hold and reject; a block is the consequence, not a verdict). */
const SPAM_ACTIONS = ['hold', 'reject'];

/** Reads what an account's standing is computed from: its outbound spam verdicts and its complaints. */
@Injectable()
export class OutboundStandingRepository {
  private readonly complaints: ComplaintRepository;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.complaints = new ComplaintRepository(dataSource);
  }

  async countsSince(account: string, since: Date): Promise<StandingCounts> {
    const lower = account.toLowerCase();
    const [spamVerdicts, complaints] = await Promise.all([
      this.dataSource
        .getRepository(ScanRecordEntity)
        .createQueryBuilder('s')
        .where(`s.direction = 'outbound'`)
        .andWhere('LOWER(s.auth_user) = :account', { account: lower })
        .andWhere('s.created_at >= :since', { since })
        .andWhere('s.action IN (:...actions)', { actions: SPAM_ACTIONS })
        .getCount(),
      this.complaints.countSince(lower, since),
    ]);
    return { spamVerdicts, complaints };
  }

  /** The sending account of a logged outbound message, for complaint attribution; null when unknown. */
  async accountOfReference(reference: string): Promise<string | null> {
    const row = await this.dataSource.getRepository(ScanRecordEntity).findOne({
      where: { reference },
      select: { reference: true, direction: true, authUser: true, mailFrom: true },
    });
    if (!row || row.direction !== 'outbound') return null;
    return (row.authUser ?? row.mailFrom).toLowerCase() || null;
  }
}
