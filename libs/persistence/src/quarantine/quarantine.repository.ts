import type { Direction } from '@spamfilter/domain';
import { randomUUID } from 'node:crypto';
import {
  Brackets,
  DataSource,
  IsNull,
  LessThanOrEqual,
  MoreThanOrEqual,
  type FindOptionsWhere,
} from 'typeorm';
import { runInTransaction, runWrite } from '../transactions';
import { QuarantineMessageEntity } from './quarantine-message.entity';

export interface NewQuarantinedCopy {
  readonly reference: string;
  readonly direction: Direction;
  /** The recipient (inbound), or the first recipient of a held outbound message (shown in lists). */
  readonly recipient: string;
  /** Whom a release delivers to when not only `recipient` (held outbound mail: every recipient). */
  readonly rcptTo?: readonly string[] | null;
  /** The owner: the recipient's user (inbound) or the sending user (held outbound); null when not a hosted user. */
  readonly userId: string | null;
  /** The owner's domain, for domain admins. */
  readonly domainId?: string | null;
  readonly mailFrom: string;
  readonly headerFrom: string | null;
  readonly subject: string | null;
  readonly reason: string;
  /** The copy as the recipient would have received it (their headers + the message). */
  readonly raw: Buffer;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** A kept copy without its bytes. */
export type QuarantinedCopy = Omit<QuarantineMessageEntity, 'rawBase64'>;

/**
 * Who is looking at the quarantine: operators see every copy, a domain admin their domain's, a user their own (as
 * recipient, or as the sender of held outbound mail). There is no unscoped read method.
 */
export type QuarantineReader =
  | { readonly kind: 'operator' }
  | { readonly kind: 'domain'; readonly domainId: string }
  | { readonly kind: 'user'; readonly userId: string };

export interface QuarantineListQuery {
  readonly direction?: Direction;
  /** kept (default): not released yet; released; all. */
  readonly status?: 'kept' | 'released' | 'all';
  /** Only copies with this envelope sender (any case), e.g. the held mail of one outbound account. */
  readonly sender?: string;
  /** Keyset cursor: copies strictly older than (createdAt, id). */
  readonly before?: { readonly createdAt: Date; readonly id: string };
  readonly limit: number;
}

const SUMMARY: (keyof QuarantinedCopy)[] = [
  'id',
  'reference',
  'direction',
  'recipient',
  'rcptTo',
  'userId',
  'domainId',
  'mailFrom',
  'headerFrom',
  'subject',
  'size',
  'reason',
  'createdAt',
  'expiresAt',
  'releasedAt',
  'releasedBy',
];

function scope(reader: QuarantineReader): FindOptionsWhere<QuarantineMessageEntity> {
  switch (reader.kind) {
    case 'operator':
      return {};
    case 'domain':
      return { domainId: reader.domainId };
    case 'user':
      return { userId: reader.userId };
  }
}

/** The quarantine store: copies kept instead of delivered (see QuarantineMessageEntity). */
export class QuarantineRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores every copy in one transaction: either all recipients' copies are kept or none (the scan then fails). */
  async addMany(copies: readonly NewQuarantinedCopy[]): Promise<string[]> {
    const rows = copies.map((c): QuarantineMessageEntity => ({
      id: randomUUID(),
      reference: c.reference,
      direction: c.direction,
      recipient: c.recipient.toLowerCase(),
      rcptTo: c.rcptTo ? c.rcptTo.map((r) => r.toLowerCase()) : null,
      userId: c.userId,
      domainId: c.domainId ?? null,
      mailFrom: c.mailFrom.slice(0, 320),
      headerFrom: c.headerFrom,
      subject: c.subject,
      size: c.raw.length,
      reason: c.reason,
      rawBase64: c.raw.toString('base64'),
      createdAt: c.createdAt,
      expiresAt: c.expiresAt,
      releasedAt: null,
      releasedBy: null,
    }));
    await runInTransaction(this.dataSource, (m) => m.getRepository(QuarantineMessageEntity).insert(rows));
    return rows.map((r) => r.id);
  }

  /** The copies kept for one message (by its reference), without their bytes; operators' view. */
  async forReference(reference: string): Promise<QuarantinedCopy[]> {
    return this.dataSource
      .getRepository(QuarantineMessageEntity)
      .find({ where: { reference }, select: SUMMARY, order: { createdAt: 'ASC' } });
  }

  /** The reader's copies, newest first. */
  async list(reader: QuarantineReader, q: QuarantineListQuery): Promise<QuarantinedCopy[]> {
    const qb = this.dataSource
      .getRepository(QuarantineMessageEntity)
      .createQueryBuilder('q')
      .select(SUMMARY.map((c) => `q.${c}`))
      .where('1 = 1');
    if (reader.kind === 'user') qb.andWhere('q.user_id = :userId', { userId: reader.userId });
    if (reader.kind === 'domain') qb.andWhere('q.domain_id = :domainId', { domainId: reader.domainId });
    if (q.direction) qb.andWhere('q.direction = :direction', { direction: q.direction });
    // Stored as the envelope gave it (mailFrom is not lower-cased on the way in); addresses compare without case.
    if (q.sender) qb.andWhere('LOWER(q.mail_from) = :sender', { sender: q.sender.toLowerCase() });
    const status = q.status ?? 'kept';
    if (status === 'kept') qb.andWhere('q.released_at IS NULL');
    if (status === 'released') qb.andWhere('q.released_at IS NOT NULL');
    if (q.before) {
      const { createdAt, id } = q.before;
      qb.andWhere(
        new Brackets((w) => {
          w.where('q.created_at < :at', { at: createdAt }).orWhere(
            new Brackets((x) =>
              x.where('q.created_at = :at', { at: createdAt }).andWhere('q.id < :id', { id }),
            ),
          );
        }),
      );
    }
    return qb
      .orderBy('q.created_at', 'DESC')
      .addOrderBy('q.id', 'DESC')
      .take(Math.max(1, Math.min(500, q.limit)))
      .getMany();
  }

  /** One copy the reader may see, without its bytes; null otherwise. */
  async get(reader: QuarantineReader, id: string): Promise<QuarantinedCopy | null> {
    return this.dataSource
      .getRepository(QuarantineMessageEntity)
      .findOne({ where: { id, ...scope(reader) }, select: SUMMARY });
  }

  /** The stored bytes of one copy the reader may see, or null. */
  async raw(reader: QuarantineReader, id: string): Promise<Buffer | null> {
    const row = await this.dataSource
      .getRepository(QuarantineMessageEntity)
      .findOne({ where: { id, ...scope(reader) }, select: ['id', 'rawBase64'] });
    return row ? Buffer.from(row.rawBase64, 'base64') : null;
  }

  /**
   * Marks a kept copy released by `by`, unless it already is (or is gone): the one caller that gets true delivers it,
   * so two releases at once deliver once. `unclaimRelease` undoes it when the delivery failed.
   */
  async claimRelease(id: string, by: string, at: Date): Promise<boolean> {
    const r = await runWrite(this.dataSource, (m) =>
      m
        .getRepository(QuarantineMessageEntity)
        .update({ id, releasedAt: IsNull() }, { releasedAt: at, releasedBy: by.slice(0, 320) }),
    );
    return (r.affected ?? 0) === 1;
  }

  async unclaimRelease(id: string): Promise<void> {
    await runWrite(this.dataSource, (m) =>
      m.getRepository(QuarantineMessageEntity).update({ id }, { releasedAt: null, releasedBy: null }),
    );
  }

  /** Deletes one copy the reader may see; false when there is none. */
  async remove(reader: QuarantineReader, id: string): Promise<boolean> {
    const r = await runWrite(this.dataSource, (m) =>
      m.getRepository(QuarantineMessageEntity).delete({ id, ...scope(reader) }),
    );
    return (r.affected ?? 0) > 0;
  }

  /** Users with copies kept (not released) since `since`, with how many: who gets a digest. */
  async ownersWithKeptSince(since: Date): Promise<{ userId: string; count: number }[]> {
    const rows = await this.dataSource
      .getRepository(QuarantineMessageEntity)
      .createQueryBuilder('q')
      .select('q.user_id', 'userId')
      .addSelect('COUNT(*)', 'count')
      .where('q.user_id IS NOT NULL AND q.released_at IS NULL AND q.created_at >= :since', { since })
      .groupBy('q.user_id')
      .getRawMany<{ userId: string; count: string | number }>();
    return rows.map((r) => ({ userId: r.userId, count: Number(r.count) }));
  }

  /** A user's copies kept since `since`, newest first (the digest's lines). */
  async keptForUser(userId: string, since: Date, limit: number): Promise<QuarantinedCopy[]> {
    return this.dataSource.getRepository(QuarantineMessageEntity).find({
      where: { userId, releasedAt: IsNull(), createdAt: MoreThanOrEqual(since) },
      select: SUMMARY,
      order: { createdAt: 'DESC' },
      take: limit,
    });
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
    const result = await runWrite(this.dataSource, (m) =>
      m.getRepository(QuarantineMessageEntity).delete({ expiresAt: LessThanOrEqual(now) }),
    );
    return result.affected ?? 0;
  }
}
