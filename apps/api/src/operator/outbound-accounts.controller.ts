import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({ summary: 'Sending accounts, optionally only the blocked (?status=blocked) ones' })
  list(@Query(new ZodPipe(accountListSchema)) q: AccountListQuery) {
    return this.accounts.list(q);
  }

  @Get('accounts/:address')
  @ApiOperation({
    summary: 'One account: status, standing (recent spam verdicts and complaints) and its audit trail',
  })
  detail(@Param('address', new ZodPipe(accountParam)) address: string) {
    return this.accounts.detail(address);
  }

  @Get('accounts/:address/complaints')
  @ApiOperation({ summary: 'Feedback-loop complaints attributed to the account' })
  complaints(@Param('address', new ZodPipe(accountParam)) address: string) {
    return this.accounts.complaintsOf(address);
  }

  @Post('accounts/:address/block')
  @ApiOperation({
    summary: 'Block an account (its mail gets 550 5.7.1); the reason goes into the audit trail',
  })
  block(
    @CurrentPrincipal() p: Principal,
    @Param('address', new ZodPipe(accountParam)) address: string,
    @Body(new ZodPipe(blockSchema)) body: BlockBody,
  ) {
    return this.accounts.block(address, p, body.reason);
  }

  @Post('accounts/:address/unblock')
  @ApiOperation({
    summary: 'Unblock an account: it sends again with its next message; the reason goes into the audit trail',
  })
  unblock(
    @CurrentPrincipal() p: Principal,
    @Param('address', new ZodPipe(accountParam)) address: string,
    @Body(new ZodPipe(blockSchema)) body: BlockBody,
  ) {
    return this.accounts.unblock(address, p, body.reason);
  }

  @Get('audit')
  @ApiOperation({ summary: 'The latest audit rows of every account (oldest first)' })
  audit(@Query(new ZodPipe(auditQuerySchema)) q: { limit: number }) {
    return this.accounts.audit(null, q.limit);
  }
}
