import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { listVerdictsSchema, VerdictDto, VerdictPageDto, type ListVerdicts } from '../dtos/verdict.dto';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { VerdictsService } from '../services/verdicts.service';

@ApiTags('verdicts')
@ApiBearerAuth()
@Controller('v1/verdicts')
export class VerdictsController {
  constructor(private readonly verdicts: VerdictsService) {}

  @Get()
  @ApiOperation({ summary: "The caller's recent verdicts with their reasons, newest first" })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'before', required: false, description: 'Cursor from the previous page' })
  @ApiQuery({
    name: 'user',
    required: false,
    description: 'Domain admins and operators: whose verdicts (address)',
  })
  @ApiQuery({
    name: 'sender',
    required: false,
    description: 'Part of the sender (From header or envelope sender)',
  })
  @ApiQuery({ name: 'subject', required: false, description: 'Part of the subject' })
  @ApiQuery({ name: 'from', required: false, description: 'Received at or after (ISO time)' })
  @ApiQuery({ name: 'to', required: false, description: 'Received before (ISO time)' })
  @ApiQuery({ name: 'action', required: false, description: 'Only verdicts with this action' })
  @ApiOkResponse({ type: VerdictPageDto, description: 'Newest first' })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(listVerdictsSchema)) query: ListVerdicts,
  ): Promise<VerdictPageDto> {
    return this.verdicts.list(principal, query);
  }

  @Get(':reference')
  @ApiOperation({ summary: 'One verdict by reference ID (404 unless it is mail the caller may see)' })
  @ApiOkResponse({ type: [VerdictDto], description: 'One verdict per recipient the caller may see' })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('reference') reference: string,
  ): Promise<VerdictDto[]> {
    return this.verdicts.get(principal, reference);
  }
}
