import type { Direction } from '@spamfilter/domain';
import { randomUUID } from 'node:crypto';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { QuarantineMessageEntity } from './quarantine-message.entity';

export interface NewQuarantinedCopy {
  readonly reference: string;
  readonly direction: Direction;
  readonly recipient: string;
  readonly userId: string | null;
  readonly mailFrom: string;
  readonly headerFrom: string | null;
  readonly subject: string | null;
  readonly reason: string;
  /** The copy as the recipient would have received it (their headers + the message). */
  readonly raw: Buffer;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** The quarantine store: copies kept instead of delivered (see QuarantineMessageEntity). */
export class QuarantineRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores every copy in one transaction: either all recipients' copies are kept or none (the scan then fails). */
  async addMany(copies: readonly NewQuarantinedCopy[]): Promise<string[]> {
    const rows = copies.map(
      (c): QuarantineMessageEntity => ({
        id: randomUUID(),
        reference: c.reference,
        direction: c.direction,
        recipient: c.recipient.toLowerCase(),
        userId: c.userId,
        mailFrom: c.mailFrom.slice(0, 320),
        headerFrom: c.headerFrom,
        subject: c.subject,
        size: c.raw.length,
        reason: c.reason,
        rawBase64: c.raw.toString('base64'),
        createdAt: c.createdAt,
        expiresAt: c.expiresAt,
      }),
    );
    await this.dataSource.transaction((m) => m.getRepository(QuarantineMessageEntity).insert(rows));
    return rows.map((r) => r.id);
  }

  /** The copies kept for one message (by its reference), without their bytes. */
  async forReference(reference: string): Promise<Omit<QuarantineMessageEntity, 'rawBase64'>[]> {
    return this.dataSource.getRepository(QuarantineMessageEntity).find({
      where: { reference },
      select: ['id', 'reference', 'direction', 'recipient', 'userId', 'mailFrom', 'headerFrom', 'subject', 'size', 'reason', 'createdAt', 'expiresAt'],
      order: { createdAt: 'ASC' },
    });
  }

  /** The stored bytes of one copy, or null. */
  async raw(id: string): Promise<Buffer | null> {
    const row = await this.dataSource.getRepository(QuarantineMessageEntity).findOne({ where: { id }, select: ['id', 'rawBase64'] });
    return row ? Buffer.from(row.rawBase64, 'base64') : null;
  }

  /** How many copies are held and their bytes (a gauge on /metrics; one scan of the table, so callers cache it). */
  async size(): Promise<{ copies: number; bytes: number }> {
    const row = await this.dataSource
      .getRepository(QuarantineMessageEntity)
      .createQueryBuilder('q')
      .select('COUNT(*)', 'copies')
      .addSelect('COALESCE(SUM(q.size), 0)', 'bytes')
      .getRawOne<{ copies: string | number; bytes: string | number }>();
    return { copies: Number(row?.copies ?? 0), bytes: Number(row?.bytes ?? 0) };
  }

  /** Retention: deletes copies whose expiry has passed; returns how many. */
  async deleteExpired(now: Date): Promise<number> {
    const result = await this.dataSource.getRepository(QuarantineMessageEntity).delete({ expiresAt: LessThanOrEqual(now) });
    return result.affected ?? 0;
  }
}
