import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UserAccountEntity } from '../entities/user-account.entity';

export interface MailboxRow {
  readonly id: string;
  readonly address: string;
  readonly displayName: string | null;
  readonly createdAt: Date;
}

/**
 * The mailboxes of one domain, for its admins and for operators (tenancy in the signature: a domain id is always
 * given, so no call lists every tenant's users). Ordered by address for paging.
 */
@Injectable()
export class MailboxListRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async listForDomain(
    domainId: string,
    q: { readonly search?: string; readonly limit: number; readonly offset: number },
  ): Promise<{ items: MailboxRow[]; total: number }> {
    const qb = this.dataSource
      .getRepository(UserAccountEntity)
      .createQueryBuilder('u')
      .where('u.domainId = :domainId', { domainId });
    if (q.search)
      qb.andWhere("u.address LIKE :search ESCAPE '\\'", {
        search: `%${escapeLike(q.search.toLowerCase())}%`,
      });
    const [rows, total] = await qb.orderBy('u.address', 'ASC').skip(q.offset).take(q.limit).getManyAndCount();
    return {
      items: rows.map((u) => ({
        id: u.id,
        address: u.address,
        displayName: u.displayName,
        createdAt: u.createdAt,
      })),
      total,
    };
  }
}

/** LIKE wildcards in a user's search text match themselves (with ESCAPE '\\'; SQLite has no default escape). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
