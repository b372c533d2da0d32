import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiZodOperation } from '../openapi/zod-openapi';
import { messagePageSchema, transcriptSchema } from './operator-views';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { Roles } from '../guards/auth.decorators';
import { MessageLogService } from './message-log.service';
import { messageSearchSchema, type MessageSearchQuery } from './operator.dto';

@ApiTags('operator: message log')
@ApiBearerAuth()
@Roles('operator')
@Controller('v1/operator/messages')
export class MessageLogController {
  constructor(private readonly log: MessageLogService) {}

  @Get()
  @ApiZodOperation({
    summary:
      'Search by reference, sender, recipient, ip, from/to (ISO times), action, direction; newest first',
    query: messageSearchSchema,
    response: messagePageSchema,
  })
  search(@Query(new ZodPipe(messageSearchSchema)) q: MessageSearchQuery) {
    return this.log.search(q);
  }

  @Get(':reference')
  @ApiZodOperation({
    summary: 'The delivery transcript of one message: symbols, scores, per-recipient verdicts, SMTP reply',
    response: transcriptSchema,
  })
  transcript(@Param('reference') reference: string) {
    return this.log.transcript(reference);
  }
}
