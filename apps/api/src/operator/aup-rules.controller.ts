import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { aupRuleSpecSchema } from '@spamfilter/domain';
import { z } from 'zod';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { AupRulesService } from './aup-rules.service';
import { ApiZodOperation } from '../openapi/zod-openapi';
import { aupPreviewSchema, aupRuleUpdateSchema, storedAupRuleSchema } from './operator-views';

/**
 * Acceptable-use-policy rules. Body of a rule: { name, description?, enabled?, score, conditions: [{ field, op,
 * value }] } — fields subject, body, sender, recipient, fromHeader, authUser, urlHost, attachmentName, clientIp with
 * op contains | equals | domain | regex, or recipientCount | size with op gte. Invalid rules are refused whole (400,
 * every problem named).
 */
@ApiTags('operator: AUP rules')
@ApiBearerAuth()
@Roles('operator')
@Controller('v1/operator/aup-rules')
export class AupRulesController {
  constructor(private readonly aup: AupRulesService) {}

  @Get()
  @ApiZodOperation({ summary: 'Every AUP rule', response: z.array(storedAupRuleSchema) })
  list() {
    return this.aup.list();
  }

  @Post()
  @ApiZodOperation({
    summary: 'Create a rule (validated as a whole; 409 when the name is taken)',
    body: aupRuleSpecSchema,
    response: storedAupRuleSchema,
    status: 201,
  })
  create(@CurrentPrincipal() p: Principal, @Body() body: unknown) {
    return this.aup.create(body, p);
  }

  @Post('preview')
  @HttpCode(200)
  @ApiZodOperation({
    summary: 'What an unsaved rule would have caught among the last day of outbound mail',
    body: aupRuleSpecSchema,
    response: aupPreviewSchema,
  })
  preview(@Body() body: unknown) {
    return this.aup.previewSpec(body);
  }

  @Get(':id')
  @ApiZodOperation({ summary: 'One rule', response: storedAupRuleSchema })
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.aup.get(id);
  }

  @Get(':id/preview')
  @ApiZodOperation({
    summary: 'What a stored rule would have caught among the last day of outbound mail',
    response: aupPreviewSchema,
  })
  previewStored(@Param('id', ParseUUIDPipe) id: string) {
    return this.aup.previewStored(id);
  }

  @Put(':id')
  @ApiZodOperation({
    summary: 'Replace a rule; the body carries the version you read (409 when it changed since)',
    body: aupRuleUpdateSchema,
    response: storedAupRuleSchema,
  })
  update(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: unknown) {
    return this.aup.update(id, body, p);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiZodOperation({ summary: 'Delete a rule', status: 204 })
  async remove(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.aup.remove(id, p);
  }
}
