import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { ApiZodOperation } from '../openapi/zod-openapi';
import { CurrentPrincipal } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import {
  listSentSchema,
  sentMessageSchema,
  sentPageSchema,
  type ListSent,
  type SentMessageDto,
  type SentPageDto,
} from './sent.dto';
import { SentService } from './sent.service';

@ApiTags('sent mail')
@ApiBearerAuth()
@Controller('v1/sent')
export class SentController {
  constructor(private readonly sent: SentService) {}

  @Get()
  @ApiZodOperation({
    summary:
      "The caller's sent mail, newest first, with each recipient's delivery status and the next hop's answer",
    query: listSentSchema,
    response: sentPageSchema,
  })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(listSentSchema)) q: ListSent,
  ): Promise<SentPageDto> {
    return this.sent.list(principal, q);
  }

  @Get(':reference')
  @ApiZodOperation({
    summary:
      'One sent message by reference: every recipient, every answer of the next hop (404 unless the caller may see it)',
    response: sentMessageSchema,
  })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('reference') reference: string,
  ): Promise<SentMessageDto> {
    return this.sent.get(principal, reference);
  }
}
