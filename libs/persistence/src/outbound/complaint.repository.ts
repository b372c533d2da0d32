import { Inject, Injectable } from '@nestjs/common';
import { DataSource, MoreThanOrEqual } from 'typeorm';
import { ComplaintEntity } from '../entities/complaint.entity';

export interface NewComplaint {
  readonly reference: string | null;
  readonly account: string | null;
  readonly feedbackType: string;
  readonly receivedAt: Date;
  /** The first few kilobytes of the report, for the operator who reads it later. */
  readonly rawExcerpt: string;
}

/** Feedback-loop complaints (ARF). Append-only: a complaint is a fact that happened. */
@Injectable()
export class ComplaintRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async add(input: NewComplaint): Promise<ComplaintEntity> {
    const row = this.dataSource.getRepository(ComplaintEntity).create({
      ...input,
      account: input.account?.toLowerCase() ?? null,
      rawExcerpt: input.rawExcerpt.slice(0, 8192),
    });
    await this.dataSource.getRepository(ComplaintEntity).insert(row);
    return row;
  }

  /** Complaints counting against an account since `since` ("not-spam" reports excluded). */
  countSince(account: string, since: Date): Promise<number> {
    return this.dataSource
      .getRepository(ComplaintEntity)
      .createQueryBuilder('c')
      .where('c.account = :account', { account: account.toLowerCase() })
      .andWhere('c.received_at >= :since', { since })
      .andWhere(`c.feedback_type <> 'not-spam'`)
      .getCount();
  }

  listForAccount(account: string, limit = 100): Promise<ComplaintEntity[]> {
    return this.dataSource.getRepository(ComplaintEntity).find({
      where: { account: account.toLowerCase() },
      order: { receivedAt: 'DESC' },
      take: Math.max(1, Math.min(500, limit)),
    });
  }

  listRecent(since: Date, limit = 100): Promise<ComplaintEntity[]> {
    return this.dataSource.getRepository(ComplaintEntity).find({
      where: { receivedAt: MoreThanOrEqual(since) },
      order: { receivedAt: 'DESC' },
      take: Math.max(1, Math.min(500, limit)),
    });
  }
}
