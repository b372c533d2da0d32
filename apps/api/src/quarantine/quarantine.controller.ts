import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { QuarantineDigestService, type DigestRun } from './quarantine-digest.service';
import {
  listQuarantineSchema,
  QuarantineMessageDto,
  QuarantinePageDto,
  ReleaseResultDto,
  releaseSchema,
  type ListQuarantine,
  type ReleaseRequest,
} from './quarantine.dto';
import { QuarantineService } from './quarantine.service';

@ApiTags('quarantine')
@ApiBearerAuth()
@Controller('v1/quarantine')
export class QuarantineController {
  constructor(private readonly quarantine: QuarantineService) {}

  @Get()
  @ApiOperation({
    summary:
      "Kept mail the caller may see, newest first: a user's own (inbound, and their held outbound mail), a domain admin's domain, an operator's all",
  })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'before', required: false, description: 'Cursor from the previous page' })
  @ApiQuery({ name: 'direction', required: false, enum: ['inbound', 'outbound'] })
  @ApiQuery({ name: 'status', required: false, enum: ['kept', 'released', 'all'] })
  @ApiQuery({
    name: 'user',
    required: false,
    description: "Domain admins and operators: one user's quarantine (address)",
  })
  @ApiOkResponse({ type: QuarantinePageDto })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(listQuarantineSchema)) q: ListQuarantine,
  ): Promise<QuarantinePageDto> {
    return this.quarantine.list(principal, q);
  }

  @Get(':id')
  @ApiOperation({
    summary:
      'One kept message: header fields, its text (never rendered HTML) and its attachments by name (404 unless the caller may see it)',
  })
  @ApiOkResponse({ type: QuarantineMessageDto })
  view(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<QuarantineMessageDto> {
    return this.quarantine.view(principal, id);
  }

  @Post(':id/release')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Release: deliver the kept copy through Haraka to its recipients (held outbound mail: operators only); trainHam also marks it "not spam". 502 with the SMTP answer when Haraka refuses it',
  })
  @ApiBody({
    schema: { type: 'object', properties: { trainHam: { type: 'boolean', default: false } } },
    required: false,
  })
  @ApiOkResponse({ type: ReleaseResultDto })
  release(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodPipe(releaseSchema)) body: ReleaseRequest,
  ): Promise<ReleaseResultDto> {
    return this.quarantine.release(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a kept message for good' })
  @ApiNoContentResponse()
  async remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<void> {
    await this.quarantine.remove(principal, id);
  }
}

@ApiTags('operator: quarantine')
@ApiBearerAuth()
@Roles('operator')
@Controller('v1/operator/quarantine')
export class QuarantineDigestController {
  constructor(private readonly digests: QuarantineDigestService) {}

  @Post('digests')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send the quarantine digests due now (normally daily from QUARANTINE_DIGEST_HOUR_UTC)',
  })
  run(): Promise<DigestRun> {
    return this.digests.runOnce();
  }
}
