import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiZodOperation } from '../openapi/zod-openapi';
import {
  accountChangeSchema,
  accountDetailSchema,
  accountViewSchema,
  complaintsOfSchema,
  outboundAuditViewSchema,
} from './operator-views';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import {
  accountListSchema,
  accountParam,
  auditQuerySchema,
  blockSchema,
  type AccountListQuery,
  type BlockBody,
} from './operator.dto';
import { OutboundAccountsService } from './outbound-accounts.service';

/**
 * Outbound blocks. The audit trail is read-only by design: there is no route that edits or deletes an audit row
 * (and the database refuses it too).
 */
@ApiTags('operator: outbound blocks')
@ApiBearerAuth()
@Roles('operator')
@Controller('v1/operator/outbound')
export class OutboundAccountsController {
  constructor(private readonly accounts: OutboundAccountsService) {}

  @Get('accounts')
  @ApiZodOperation({
    summary: 'Sending accounts, optionally only the blocked (?status=blocked) ones',
    query: accountListSchema,
    response: z.array(accountViewSchema),
  })
  list(@Query(new ZodPipe(accountListSchema)) q: AccountListQuery) {
    return this.accounts.list(q);
  }

  @Get('accounts/:address')
  @ApiZodOperation({
    summary: 'One account: status, standing (recent spam verdicts and complaints) and its audit trail',
    response: accountDetailSchema,
  })
  detail(@Param('address', new ZodPipe(accountParam)) address: string) {
    return this.accounts.detail(address);
  }

  @Get('accounts/:address/complaints')
  @ApiZodOperation({
    summary: 'Feedback-loop complaints attributed to the account',
    response: complaintsOfSchema,
  })
  complaints(@Param('address', new ZodPipe(accountParam)) address: string) {
    return this.accounts.complaintsOf(address);
  }

  @Post('accounts/:address/block')
  @ApiZodOperation({
    summary:
      'Block an account (its mail gets 550 5.7.1); the reason (required, 3-500 characters) goes into the audit trail',
    body: blockSchema,
    response: accountChangeSchema,
    status: 201,
  })
  block(
    @CurrentPrincipal() p: Principal,
    @Param('address', new ZodPipe(accountParam)) address: string,
    @Body(new ZodPipe(blockSchema)) body: BlockBody,
  ) {
    return this.accounts.block(address, p, body.reason);
  }

  @Post('accounts/:address/unblock')
  @ApiZodOperation({
    summary:
      'Unblock an account: it sends again with its next message; the reason (required, 3-500 characters) goes into the audit trail',
    body: blockSchema,
    response: accountChangeSchema,
    status: 201,
  })
  unblock(
    @CurrentPrincipal() p: Principal,
    @Param('address', new ZodPipe(accountParam)) address: string,
    @Body(new ZodPipe(blockSchema)) body: BlockBody,
  ) {
    return this.accounts.unblock(address, p, body.reason);
  }

  @Get('audit')
  @ApiZodOperation({
    summary: 'The latest audit rows of every account (oldest first)',
    query: auditQuerySchema,
    response: z.array(outboundAuditViewSchema),
  })
  audit(@Query(new ZodPipe(auditQuerySchema)) q: { limit: number }) {
    return this.accounts.audit(null, q.limit);
  }
}
