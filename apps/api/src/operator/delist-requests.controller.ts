import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiZodOperation } from '../openapi/zod-openapi';
import { delistApprovalSchema, delistRequestViewSchema } from './operator-views';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { DelistRequestsService } from './delist-requests.service';
import {
  delistApproveSchema,
  delistListSchema,
  delistRejectSchema,
  type DelistApproveBody,
  type DelistListQuery,
  type DelistRejectBody,
} from './operator.dto';

@ApiTags('operator: delisting requests')
@ApiBearerAuth()
@Roles('operator')
@Controller('v1/operator/delist-requests')
export class DelistRequestsController {
  constructor(private readonly requests: DelistRequestsService) {}

  @Get()
  @ApiZodOperation({
    summary: 'The queue (?status=pending, oldest first) or decided requests',
    query: delistListSchema,
    response: z.array(delistRequestViewSchema),
  })
  list(@Query(new ZodPipe(delistListSchema)) q: DelistListQuery) {
    return this.requests.list(q);
  }

  @Post(':id/approve')
  @ApiZodOperation({
    body: delistApproveSchema,
    response: delistApprovalSchema,
    status: 201,
    summary:
      "Approve. Inbound refusal: an inbound allow for the refused recipient (scope user, default) or its domain, never global, for at most DELIST_ALLOW_DAYS; for a hosted-domain sender only with an aligned DMARC/SPF pass. Outbound refusal: no list entry, a note in the sending account's audit trail",
  })
  approve(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body(new ZodPipe(delistApproveSchema)) body: DelistApproveBody,
  ) {
    return this.requests.approve(id, body, p);
  }

  @Post(':id/reject')
  @ApiZodOperation({
    summary: 'Reject the request',
    body: delistRejectSchema,
    response: delistRequestViewSchema,
    status: 201,
  })
  reject(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body(new ZodPipe(delistRejectSchema)) body: DelistRejectBody,
  ) {
    return this.requests.reject(id, body.note ?? null, p);
  }
}
