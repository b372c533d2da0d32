import { Controller, ForbiddenException, Get, NotFoundException, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DomainEntity, MailboxListRepository } from '@spamfilter/persistence';
import { DataSource } from 'typeorm';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { ApiZodOperation } from '../openapi/zod-openapi';
import {
  mailboxListQuerySchema,
  mailboxPageSchema,
  type MailboxListQuery,
  type MailboxPage,
} from './console.dto';

/** A domain's mailboxes: its admins see their own domain's, operators any domain's (another tenant's: 404). */
@ApiTags('users')
@ApiBearerAuth()
@Roles('operator', 'domain_admin')
@Controller('v1/users')
export class MailboxesController {
  constructor(
    private readonly db: DataSource,
    private readonly mailboxes: MailboxListRepository,
  ) {}

  @Get()
  @ApiZodOperation({
    summary:
      "A domain's users (mailboxes), by address: your own domain's for domain admins, ?domain= for operators",
    query: mailboxListQuerySchema,
    response: mailboxPageSchema,
  })
  async list(
    @CurrentPrincipal() p: Principal,
    @Query(new ZodPipe(mailboxListQuerySchema)) q: MailboxListQuery,
  ): Promise<MailboxPage> {
    const name = q.domain ?? (p.role === 'domain_admin' ? p.domain : null);
    if (!name) throw new NotFoundException('domain: name the domain (?domain=)');
    if (p.role === 'domain_admin' && name !== p.domain)
      throw new ForbiddenException(`a domain admin sees the users of ${p.domain ?? 'their domain'} only`);
    const domain = await this.db.getRepository(DomainEntity).findOneBy({ name });
    if (!domain || (p.role === 'domain_admin' && domain.tenantId !== p.tenantId))
      throw new NotFoundException(`no domain ${name} you may see`);
    const page = await this.mailboxes.listForDomain(domain.id, q);
    return {
      domain: domain.name,
      total: page.total,
      items: page.items.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() })),
    };
  }
}
