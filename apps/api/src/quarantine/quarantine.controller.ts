import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { ApiZodOperation } from '../openapi/zod-openapi';
import { QuarantineDigestService, type DigestRun } from './quarantine-digest.service';
import {
  digestRunRequestSchema,
  digestRunSchema,
  listQuarantineSchema,
  quarantineMessageSchema,
  quarantinePageSchema,
  releaseResultSchema,
  releaseSchema,
  type ListQuarantine,
  type QuarantineMessageDto,
  type QuarantinePageDto,
  type ReleaseRequest,
  type ReleaseResultDto,
} from './quarantine.dto';
import { QuarantineService } from './quarantine.service';

@ApiTags('quarantine')
@ApiBearerAuth()
@Controller('v1/quarantine')
export class QuarantineController {
  constructor(private readonly quarantine: QuarantineService) {}

  @Get()
  @ApiZodOperation({
    summary:
      "Kept mail the caller may see, newest first: a user's own (inbound, and their held outbound mail), a domain admin's domain, an operator's all",
    query: listQuarantineSchema,
    response: quarantinePageSchema,
  })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(listQuarantineSchema)) q: ListQuarantine,
  ): Promise<QuarantinePageDto> {
    return this.quarantine.list(principal, q);
  }

  @Get(':id')
  @ApiZodOperation({
    summary:
      'One kept message: header fields, its text (never rendered HTML) and its attachments by name (404 unless the caller may see it)',
    response: quarantineMessageSchema,
  })
  view(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<QuarantineMessageDto> {
    return this.quarantine.view(principal, id);
  }

  @Post(':id/release')
  @HttpCode(200)
  @ApiZodOperation({
    summary:
      'Release: deliver the kept copy through Haraka to its recipients (held outbound mail: operators only); trainHam also marks it "not spam". 502 with the SMTP answer when Haraka refuses it',
    body: releaseSchema,
    response: releaseResultSchema,
  })
  release(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodPipe(releaseSchema)) body: ReleaseRequest,
  ): Promise<ReleaseResultDto> {
    return this.quarantine.release(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiZodOperation({ summary: 'Delete a kept message for good', status: 204 })
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
  @ApiZodOperation({
    summary: 'Send the quarantine digests due now (normally daily from QUARANTINE_DIGEST_HOUR_UTC)',
    body: digestRunRequestSchema,
    response: digestRunSchema,
  })
  run(@Body(new ZodPipe(digestRunRequestSchema)) _body: Record<string, never>): Promise<DigestRun> {
    return this.digests.runOnce();
  }
}
