import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { actorOf } from './operator-actor';
import { OperatorListsService } from './operator-lists.service';
import { listEntrySchema, listQuerySchema, type ListEntryBody, type ListQuery } from './operator.dto';

@ApiTags('operator: lists')
@ApiBearerAuth()
@Roles('operator')
@Controller('v1/operator/lists')
export class OperatorListsController {
  constructor(private readonly lists: OperatorListsService) {}

  @Get()
  @ApiOperation({
    summary: "The global list (?scope=global) or a domain's (?scope=domain&domain=example.com)",
  })
  list(@Query(new ZodPipe(listQuerySchema)) q: ListQuery) {
    return this.lists.list(q);
  }

  @Post()
  @ApiOperation({ summary: 'Add an allow or block entry (address, domain, ip or cidr), optionally expiring' })
  add(@CurrentPrincipal() p: Principal, @Body(new ZodPipe(listEntrySchema)) body: ListEntryBody) {
    return this.lists.add(body, actorOf(p));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove an entry of the named list' })
  async remove(
    @Param('id', ParseUUIDPipe) id: string,
    @Query(new ZodPipe(listQuerySchema)) q: ListQuery,
  ): Promise<void> {
    await this.lists.remove(q, id);
  }
}
