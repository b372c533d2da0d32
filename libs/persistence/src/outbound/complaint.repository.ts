import { Inject, Injectable } from '@nestjs/common';
import { DataSource, MoreThanOrEqual } from 'typeorm';
import { ComplaintEntity } from '../entities/complaint.entity';
import { runWrite } from '../transactions';

export interface NewComplaint {
  readonly reference: string | null;
  readonly account: string | null;
  readonly feedbackType: string;
  readonly receivedAt: Date;
  /** The first few kilobytes of the report, for the operator who reads it later. */
  readonly rawExcerpt: string;
  /** Identity of (reported message, feedback type, source): a second report with the same key is not stored. */
  readonly dedupeKey: string;
}

/** Feedback-loop complaints (ARF). Append-only: a complaint is a fact that happened. */
@Injectable()
export class ComplaintRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Stores the complaint unless one with the same dedupe key exists; `duplicate` says which happened (then `row` is
   * the complaint stored first). Two concurrent copies of one report meet at the unique index: one is stored.
   */
  async addOnce(input: NewComplaint): Promise<{ row: ComplaintEntity; duplicate: boolean }> {
    const repo = this.dataSource.getRepository(ComplaintEntity);
    const existing = await repo.findOneBy({ dedupeKey: input.dedupeKey });
    if (existing) return { row: existing, duplicate: true };
    const row = repo.create({
      ...input,
      account: input.account?.toLowerCase() ?? null,
      rawExcerpt: input.rawExcerpt.slice(0, 8192),
    });
    try {
      await runWrite(this.dataSource, (m) => m.getRepository(ComplaintEntity).insert(row));
    } catch (err) {
      const first = await repo.findOneBy({ dedupeKey: input.dedupeKey });
      if (first) return { row: first, duplicate: true };
      throw err;
    }
    return { row, duplicate: false };
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
