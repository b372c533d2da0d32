import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { ApiZodOperation } from '../openapi/zod-openapi';
import {
  listEntriesSchema,
  listEntryCreateSchema,
  listEntryViewSchema,
  scopeQuerySchema,
  type ListEntryCreate,
  type ScopeQuery,
} from './control.dto';
import { ListsService } from './lists.service';

/**
 * Allow and block lists for everyone: users manage their own (the default scope of a user key), domain admins
 * their domain's and its users' (default: the domain), operators every list. Another tenant's lists answer 404.
 */
@ApiTags('lists')
@ApiBearerAuth()
@Controller('v1/lists')
export class ListsController {
  constructor(private readonly lists: ListsService) {}

  @Get()
  @ApiZodOperation({
    summary: "A list: your own by default; ?scope=domain|user&domain=|user= for a domain's or a user's",
    description:
      'Entries the learner made from spam marks have origin "learned" and list the marks behind them; undoing those marks (DELETE /v1/marks/{id}) or marking mail from the sender as not spam removes the entry.',
    query: scopeQuerySchema,
    response: listEntriesSchema,
  })
  list(@CurrentPrincipal() p: Principal, @Query(new ZodPipe(scopeQuerySchema)) q: ScopeQuery) {
    return this.lists.list(p, q);
  }

  @Post()
  @ApiZodOperation({
    summary:
      'Add an allow or block entry (address, domain, IP or CIDR; inbound, outbound or both; optionally expiring)',
    body: listEntryCreateSchema,
    response: listEntryViewSchema,
    status: 201,
  })
  add(@CurrentPrincipal() p: Principal, @Body(new ZodPipe(listEntryCreateSchema)) body: ListEntryCreate) {
    return this.lists.add(p, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiZodOperation({ summary: "Remove an entry (yours, your domain's, or as an operator any)", status: 204 })
  async remove(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.lists.remove(p, id);
  }
}
