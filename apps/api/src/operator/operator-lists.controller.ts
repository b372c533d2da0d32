import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  listEntriesSchema,
  listEntryCreateSchema,
  listEntryViewSchema,
  scopeQuerySchema,
  type ListEntryCreate,
  type ScopeQuery,
} from '../control/control.dto';
import { ListsService } from '../control/lists.service';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { ApiZodOperation } from '../openapi/zod-openapi';

/** The operators' entry to every list (global, any domain's, any user's); the same service as /v1/lists. */
@ApiTags('operator: lists')
@ApiBearerAuth()
@Roles('operator')
@Controller('v1/operator/lists')
export class OperatorListsController {
  constructor(private readonly lists: ListsService) {}

  @Get()
  @ApiZodOperation({
    summary:
      "The global list (?scope=global, default), a domain's (?scope=domain&domain=example.com) or a user's (?scope=user&user=bob@example.com)",
    query: scopeQuerySchema,
    response: listEntriesSchema,
  })
  list(@CurrentPrincipal() p: Principal, @Query(new ZodPipe(scopeQuerySchema)) q: ScopeQuery) {
    return this.lists.list(p, q);
  }

  @Post()
  @ApiZodOperation({
    summary: 'Add an allow or block entry (address, domain, ip or cidr) to any scope, optionally expiring',
    body: listEntryCreateSchema,
    response: listEntryViewSchema,
    status: 201,
  })
  add(@CurrentPrincipal() p: Principal, @Body(new ZodPipe(listEntryCreateSchema)) body: ListEntryCreate) {
    return this.lists.add(p, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiZodOperation({
    summary: 'Remove an entry; with ?scope= (and domain= or user=) only from that list',
    query: scopeQuerySchema,
    status: 204,
  })
  async remove(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query(new ZodPipe(scopeQuerySchema)) q: ScopeQuery,
  ): Promise<void> {
    await this.lists.remove(p, id, q);
  }
}
