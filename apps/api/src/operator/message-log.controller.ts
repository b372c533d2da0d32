import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({
    summary:
      'Search by reference, sender, recipient, ip, from/to (ISO times), action, direction; newest first',
  })
  search(@Query(new ZodPipe(messageSearchSchema)) q: MessageSearchQuery) {
    return this.log.search(q);
  }

  @Get(':reference')
  @ApiOperation({
    summary: 'The delivery transcript of one message: symbols, scores, per-recipient verdicts, SMTP reply',
  })
  transcript(@Param('reference') reference: string) {
    return this.log.transcript(reference);
  }
}
