import {
  BadGatewayException,
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import { RELEASE_HEADER } from '@spamfilter/domain';
import { bodyDigest, DEFAULT_PARSE_LIMITS, withoutHeaders } from '@spamfilter/mail';
import {
  DomainEntity,
  QuarantineRepository,
  ReleaseTicketRepository,
  runWrite,
  ScanRecipientEntity,
  UserAccountEntity,
  type QuarantinedCopy,
  type QuarantineReader,
} from '@spamfilter/persistence';
import { DataSource, In } from 'typeorm';
import { API_APP_CONFIG } from '../api-config.token';
import { mailboxOwnerOf, mayActFor, type Principal } from '../guards/principal';
import { actorOf } from '../operator/operator-actor';
import { MarksService } from '../services/marks.service';
import { QuarantineAudit } from './quarantine-audit';
import type {
  ListQuarantine,
  QuarantineItemDto,
  QuarantineMessageDto,
  QuarantinePageDto,
  ReleaseRequest,
  ReleaseResultDto,
} from './quarantine.dto';
import { quarantineView } from './quarantine-view';
import { parseHostPort, SmtpSubmitter, type SmtpTarget } from './smtp-submitter';

interface Cursor {
  readonly t: number;
  readonly id: string;
}

const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

function decodeCursor(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof c.t === 'number' && typeof c.id === 'string') return { t: c.t, id: c.id };
  } catch {
    /* fall through */
  }
  throw new BadRequestException('before: not a cursor from a previous page');
}

export function itemDto(c: QuarantinedCopy): QuarantineItemDto {
  return {
    id: c.id,
    reference: c.reference,
    direction: c.direction,
    recipient: c.recipient,
    recipients: [...(c.rcptTo ?? [c.recipient])],
    mailFrom: c.mailFrom,
    from: c.headerFrom,
    subject: c.subject,
    size: c.size,
    reason: c.reason,
    createdAt: c.createdAt.toISOString(),
    expiresAt: c.expiresAt.toISOString(),
    releasedAt: c.releasedAt ? c.releasedAt.toISOString() : null,
    releasedBy: c.releasedBy,
  };
}

/**
 * The quarantine as users, domain admins and operators act on it. Who sees what: a user their own copies (as
 * recipient, or as the sender of held outbound mail), a domain admin their domain's, an operator everything; a copy
 * outside the caller's view is 404, as if it did not exist.
 *
 * A release re-injects the stored copy through Haraka — the MX for inbound copies, submission for held outbound mail
 * — so it takes the normal path to the next hop. It carries a one-time ticket (release_ticket) bound to its body,
 * sender and recipients, which the filter redeems instead of scoring it again (apps/filter release-tickets.ts says
 * why a ticket and not a trusted account). Held outbound mail is released by operators only: it was held because the
 * sending account's mail looked like spam, and the sender must not be able to wave it through.
 */
@Injectable()
export class QuarantineService {
  private readonly copies: QuarantineRepository;
  private readonly tickets: ReleaseTicketRepository;

  constructor(
    private readonly db: DataSource,
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
    private readonly smtp: SmtpSubmitter,
    private readonly audit: QuarantineAudit,
    private readonly marks: MarksService,
  ) {
    this.copies = new QuarantineRepository(db);
    this.tickets = new ReleaseTicketRepository(db);
  }

  async list(principal: Principal, q: ListQuarantine): Promise<QuarantinePageDto> {
    const reader = await this.readerFor(principal, q.user);
    if (!reader) return { items: [], next: null };
    const before = q.before !== undefined ? decodeCursor(q.before) : undefined;
    const rows = await this.copies.list(reader, {
      ...(q.direction ? { direction: q.direction } : {}),
      ...(q.sender ? { sender: q.sender } : {}),
      status: q.status,
      ...(before ? { before: { createdAt: new Date(before.t), id: before.id } } : {}),
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(itemDto),
      next: rows.length > q.limit && last ? encodeCursor({ t: last.createdAt.getTime(), id: last.id }) : null,
    };
  }

  async view(principal: Principal, id: string): Promise<QuarantineMessageDto> {
    const { reader, copy } = await this.visible(principal, id);
    const raw = await this.copies.raw(reader, id);
    if (!raw) throw this.notFound(id);
    return { ...itemDto(copy), ...quarantineView(raw, DEFAULT_PARSE_LIMITS) };
  }

  async release(
    principal: Principal,
    id: string,
    body: ReleaseRequest,
    now = new Date(),
  ): Promise<ReleaseResultDto> {
    const { reader, copy } = await this.visible(principal, id);
    if (copy.direction === 'outbound' && principal.role !== 'operator') {
      throw new ForbiddenException('held outbound mail is released by operators, after review');
    }
    if (body.trainHam && copy.direction === 'outbound')
      throw new BadRequestException('trainHam: only inbound mail trains "not spam"');
    if (copy.releasedAt)
      throw new ConflictException(
        `already released by ${copy.releasedBy ?? 'someone'} at ${copy.releasedAt.toISOString()}`,
      );
    const target = this.targetFor(copy.direction);
    const raw = await this.copies.raw(reader, id);
    if (!raw) throw this.notFound(id);
    const actor = actorOf(principal);
    const recipients = [...(copy.rcptTo ?? [copy.recipient])];
    // Claim first: of two releases at once, one delivers.
    if (!(await this.copies.claimRelease(id, actor, now)))
      throw new ConflictException('already being released');
    let answer: string;
    try {
      const { token } = await this.tickets.issue(
        {
          purpose: 'release',
          reference: copy.reference,
          quarantineId: copy.id,
          bodyDigest: bodyDigest(raw),
          mailFrom: copy.mailFrom,
          rcptTo: recipients,
          issuedBy: actor,
          ttlMs: this.config.quarantine.releaseTicketTtlSeconds * 1000,
        },
        now,
      );
      // Our own X-Spam-* headers were for the kept copy; Haraka would strip them anyway, and the released copy gets
      // its headers from the filter.
      const message = Buffer.concat([
        Buffer.from(`${RELEASE_HEADER}: ${token}\r\n`, 'latin1'),
        withoutHeaders(raw, (n) => n.startsWith('x-spam-')),
      ]);
      const r = await this.smtp.submit(target, { mailFrom: copy.mailFrom, rcptTo: recipients }, message);
      if (!r.ok) {
        await this.copies.unclaimRelease(id);
        throw new BadGatewayException({
          statusCode: 502,
          error: 'Bad Gateway',
          message: `the release was not accepted (${r.stage}: ${r.code || 'no answer'} ${r.text})`.slice(
            0,
            300,
          ),
          smtp: { stage: r.stage, code: r.code, text: r.text.slice(0, 300) },
        });
      }
      answer = `${r.code} ${r.text}`.slice(0, 300);
    } catch (err) {
      if (!(err instanceof BadGatewayException)) await this.copies.unclaimRelease(id).catch(() => undefined);
      throw err;
    }
    // The message log says what became of each copy.
    await runWrite(this.db, (m) =>
      m
        .getRepository(ScanRecipientEntity)
        .update({ reference: copy.reference, recipient: In(recipients) }, { disposition: 'released' }),
    );
    let markId: string | null = null;
    let markProblem: string | null = null;
    if (body.trainHam) {
      try {
        markId = (
          await this.marks.markByReference(principal, {
            reference: copy.reference,
            label: 'ham',
            recipient: copy.recipient,
          })
        ).id;
      } catch (err) {
        // The message is released either way; say why it did not train (e.g. the verdict is past its retention).
        markProblem = err instanceof Error ? err.message : String(err);
      }
    }
    await this.audit.record({
      tenantId: await this.tenantOf(copy),
      action: 'release',
      quarantineId: copy.id,
      reference: copy.reference,
      direction: copy.direction,
      actor,
      role: principal.role,
      owner: copy.direction === 'outbound' ? copy.mailFrom : copy.recipient,
      recipients,
      at: now,
      detail: { smtp: answer, trainHam: body.trainHam, markId, ...(markProblem ? { markProblem } : {}) },
    });
    return { id: copy.id, reference: copy.reference, recipients, smtp: answer, markId };
  }

  async remove(principal: Principal, id: string, now = new Date()): Promise<void> {
    const { reader, copy } = await this.visible(principal, id);
    if (!(await this.copies.remove(reader, id))) throw this.notFound(id);
    await this.audit.record({
      tenantId: await this.tenantOf(copy),
      action: 'delete',
      quarantineId: copy.id,
      reference: copy.reference,
      direction: copy.direction,
      actor: actorOf(principal),
      role: principal.role,
      owner: copy.direction === 'outbound' ? copy.mailFrom : copy.recipient,
      recipients: [...(copy.rcptTo ?? [copy.recipient])],
      at: now,
      detail: { released: copy.releasedAt !== null },
    });
  }

  private targetFor(direction: 'inbound' | 'outbound'): SmtpTarget {
    const q = this.config.quarantine;
    const base = { helo: q.releaseHelo, timeoutMs: q.releaseSmtpTimeoutMs };
    if (direction === 'inbound') return { ...base, ...parseHostPort(q.releaseInboundSmtp) };
    if (!q.releaseSubmissionUser)
      throw new ServiceUnavailableException(
        'held outbound mail cannot be released: RELEASE_SUBMISSION_USER is not set',
      );
    return {
      ...base,
      ...parseHostPort(q.releaseSubmissionSmtp),
      auth: { user: q.releaseSubmissionUser, pass: q.releaseSubmissionPassword },
    };
  }

  private async visible(
    principal: Principal,
    id: string,
  ): Promise<{ reader: QuarantineReader; copy: QuarantinedCopy }> {
    const reader = await this.readerFor(principal);
    const copy = reader ? await this.copies.get(reader, id) : null;
    if (!reader || !copy) throw this.notFound(id);
    return { reader, copy };
  }

  /** The caller's view of the quarantine (narrowed to one user's for admins who ask); null: nothing to see. */
  private async readerFor(principal: Principal, user?: string): Promise<QuarantineReader | null> {
    if (user !== undefined) {
      const u = await this.db.getRepository(UserAccountEntity).findOneBy({ address: user });
      if (!u || !mayActFor(principal, mailboxOwnerOf(u)))
        throw new NotFoundException(`no mailbox ${user} you may see`);
      return { kind: 'user', userId: u.id };
    }
    switch (principal.role) {
      case 'operator':
        return { kind: 'operator' };
      case 'domain_admin': {
        const d = principal.domain
          ? await this.db
              .getRepository(DomainEntity)
              .findOneBy({ name: principal.domain, tenantId: principal.tenantId })
          : null;
        return d ? { kind: 'domain', domainId: d.id } : null;
      }
      case 'user':
        return principal.userId ? { kind: 'user', userId: principal.userId } : null;
      case 'mailbox_service':
        // The mailbox server's key posts marks; it has no business reading or releasing anyone's quarantine.
        return null;
    }
  }

  private async tenantOf(copy: QuarantinedCopy): Promise<string | null> {
    if (!copy.userId) return null;
    return (await this.db.getRepository(UserAccountEntity).findOneBy({ id: copy.userId }))?.tenantId ?? null;
  }

  private notFound(id: string): NotFoundException {
    return new NotFoundException(`no quarantined message ${id} you may see`);
  }
}
