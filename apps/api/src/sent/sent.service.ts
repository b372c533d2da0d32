import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { isReferenceId } from '@spamfilter/domain';
import {
  DeliveryResultRepository,
  ScanRecipientEntity,
  ScanRecordEntity,
  UserAccountEntity,
  type DeliveryResultEntity,
} from '@spamfilter/persistence';
import { Brackets, DataSource, In, type SelectQueryBuilder } from 'typeorm';
import { mailboxOwnerOf, mayActFor, type Principal } from '../guards/principal';
import { recipientStatus } from './delivery-status';
import type { DeliveryAttemptDto, ListSent, SentMessageDto, SentPageDto } from './sent.dto';

/** Whose sent mail a caller sees: one sender (by AUTH user, or MAIL FROM when unauthenticated), a domain's, all. */
type SenderScope =
  | { readonly kind: 'address'; readonly address: string }
  | { readonly kind: 'domain'; readonly domain: string }
  | { readonly kind: 'all' };

interface Cursor {
  readonly t: number;
  readonly r: string;
}

const likeSuffix = (domain: string): string => `%@${domain.replace(/[\\%_]/g, (c) => `\\${c}`)}`;

function attemptDto(r: DeliveryResultEntity): DeliveryAttemptDto {
  return { status: r.status, code: r.code, enhanced: r.enhanced, text: r.text, at: r.at.toISOString() };
}

/**
 * "What became of my message?": a sender's outbound mail with, per recipient, the filter's verdict and what the next
 * hop answered (code, text, time; every attempt), from the message log and the delivery results Haraka reported.
 * Users see what they sent, domain admins their domain's senders, operators everyone's; others' mail is 404.
 */
@Injectable()
export class SentService {
  constructor(private readonly db: DataSource) {}

  async list(principal: Principal, q: ListSent): Promise<SentPageDto> {
    const scope = await this.scopeFor(principal, q.user);
    if (!scope) return { items: [], next: null };
    const qb = this.scoped(scope);
    if (q.before !== undefined) {
      const c = decodeCursor(q.before);
      const at = new Date(c.t);
      qb.andWhere(
        new Brackets((w) =>
          w
            .where('s.created_at < :at', { at })
            .orWhere(
              new Brackets((x) =>
                x.where('s.created_at = :at', { at }).andWhere('s.reference < :ref', { ref: c.r }),
              ),
            ),
        ),
      );
    }
    const rows = await qb
      .orderBy('s.created_at', 'DESC')
      .addOrderBy('s.reference', 'DESC')
      .take(q.limit + 1)
      .getMany();
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: await this.toDtos(page),
      next:
        rows.length > q.limit && last
          ? Buffer.from(JSON.stringify({ t: last.createdAt.getTime(), r: last.reference })).toString(
              'base64url',
            )
          : null,
    };
  }

  async get(principal: Principal, referenceInput: string): Promise<SentMessageDto> {
    const reference = referenceInput.trim().toUpperCase();
    if (!isReferenceId(reference))
      throw new BadRequestException('reference: must be a 26-character reference ID');
    const scope = await this.scopeFor(principal);
    const record = scope
      ? await this.scoped(scope).andWhere('s.reference = :reference', { reference }).getOne()
      : null;
    if (!record) throw new NotFoundException(`no sent message ${reference} you may see`);
    const [dto] = await this.toDtos([record]);
    return dto as SentMessageDto;
  }

  private scoped(scope: SenderScope): SelectQueryBuilder<ScanRecordEntity> {
    const qb = this.db
      .getRepository(ScanRecordEntity)
      .createQueryBuilder('s')
      .where(`s.direction = 'outbound'`);
    if (scope.kind === 'address') {
      qb.andWhere(
        new Brackets((w) =>
          w
            .where('LOWER(s.auth_user) = :a', { a: scope.address })
            .orWhere('(s.auth_user IS NULL AND s.mail_from = :a)', { a: scope.address }),
        ),
      );
    } else if (scope.kind === 'domain') {
      const d = likeSuffix(scope.domain);
      qb.andWhere(
        new Brackets((w) =>
          w
            .where(`LOWER(s.auth_user) LIKE :d ESCAPE '\\'`, { d })
            .orWhere(`(s.auth_user IS NULL AND s.mail_from LIKE :d ESCAPE '\\')`, { d }),
        ),
      );
    }
    return qb;
  }

  private async toDtos(records: readonly ScanRecordEntity[]): Promise<SentMessageDto[]> {
    if (records.length === 0) return [];
    const refs = records.map((r) => r.reference);
    const recipients = await this.db
      .getRepository(ScanRecipientEntity)
      .find({ where: { reference: In(refs) }, order: { recipient: 'ASC' } });
    const results = await new DeliveryResultRepository(this.db).forReferences(refs);
    return records.map((rec) => {
      const mine = recipients.filter((r) => r.reference === rec.reference);
      const known = new Set(mine.map((r) => r.recipient));
      const attemptsOf = (recipient: string): DeliveryResultEntity[] =>
        results.filter((x) => x.reference === rec.reference && x.recipient === recipient);
      const rows = [
        ...mine.map((r) => ({
          recipient: r.recipient,
          action: r.action as string,
          disposition: r.disposition,
        })),
        // A recipient the next hop answered for but the log does not list (should not happen): still shown.
        ...[
          ...new Set(
            results
              .filter((x) => x.reference === rec.reference && !known.has(x.recipient))
              .map((x) => x.recipient),
          ),
        ].map((recipient) => ({ recipient, action: rec.action as string, disposition: null })),
      ];
      return {
        reference: rec.reference,
        createdAt: rec.createdAt.toISOString(),
        mailFrom: rec.mailFrom,
        subject: rec.subject,
        action: rec.action,
        recipients: rows.map((r) => {
          const attempts = attemptsOf(r.recipient);
          const last = attempts.at(-1);
          return {
            ...r,
            status: recipientStatus(r.disposition, attempts),
            last: last ? attemptDto(last) : null,
            attempts: attempts.map(attemptDto),
          };
        }),
      };
    });
  }

  private async scopeFor(principal: Principal, user?: string): Promise<SenderScope | null> {
    if (user !== undefined) {
      const u = await this.db.getRepository(UserAccountEntity).findOneBy({ address: user });
      if (!u || !mayActFor(principal, mailboxOwnerOf(u)))
        throw new NotFoundException(`no mailbox ${user} you may see`);
      return { kind: 'address', address: u.address.toLowerCase() };
    }
    switch (principal.role) {
      case 'operator':
        return { kind: 'all' };
      case 'domain_admin':
        return principal.domain ? { kind: 'domain', domain: principal.domain } : null;
      case 'user':
        return principal.address ? { kind: 'address', address: principal.address.toLowerCase() } : null;
      case 'mailbox_service':
        // The mailbox server's key posts marks; it reads nobody's sent mail.
        return null;
    }
  }
}

function decodeCursor(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof c.t === 'number' && typeof c.r === 'string' && isReferenceId(c.r)) return { t: c.t, r: c.r };
  } catch {
    /* fall through */
  }
  throw new BadRequestException('before: not a cursor from a previous page');
}
