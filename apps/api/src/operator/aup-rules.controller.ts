import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { AupRulesService } from './aup-rules.service';

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
  @ApiOperation({ summary: 'Every AUP rule' })
  list() {
    return this.aup.list();
  }

  @Post()
  @ApiOperation({ summary: 'Create a rule (validated as a whole; 409 when the name is taken)' })
  create(@CurrentPrincipal() p: Principal, @Body() body: unknown) {
    return this.aup.create(body, p);
  }

  @Post('preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'What an unsaved rule would have caught among the last day of outbound mail' })
  preview(@Body() body: unknown) {
    return this.aup.previewSpec(body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One rule' })
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.aup.get(id);
  }

  @Get(':id/preview')
  @ApiOperation({ summary: 'What a stored rule would have caught among the last day of outbound mail' })
  previewStored(@Param('id', ParseUUIDPipe) id: string) {
    return this.aup.previewStored(id);
  }

  @Put(':id')
  @ApiOperation({
    summary: 'Replace a rule; the body carries the version you read (409 when it changed since)',
  })
  update(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: unknown) {
    return this.aup.update(id, body, p);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a rule' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.aup.remove(id, p);
  }
}
