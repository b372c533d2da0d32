import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { listSentSchema, SentMessageDto, SentPageDto, type ListSent } from './sent.dto';
import { SentService } from './sent.service';

@ApiTags('sent mail')
@ApiBearerAuth()
@Controller('v1/sent')
export class SentController {
  constructor(private readonly sent: SentService) {}

  @Get()
  @ApiOperation({
    summary:
      "The caller's sent mail, newest first, with each recipient's delivery status and the next hop's answer",
  })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'before', required: false, description: 'Cursor from the previous page' })
  @ApiQuery({
    name: 'user',
    required: false,
    description: "Domain admins and operators: one sender's mail (address)",
  })
  @ApiOkResponse({ type: SentPageDto })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(listSentSchema)) q: ListSent,
  ): Promise<SentPageDto> {
    return this.sent.list(principal, q);
  }

  @Get(':reference')
  @ApiOperation({
    summary:
      'One sent message by reference: every recipient, every answer of the next hop (404 unless the caller may see it)',
  })
  @ApiOkResponse({ type: SentMessageDto })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('reference') reference: string,
  ): Promise<SentMessageDto> {
    return this.sent.get(principal, reference);
  }
}
