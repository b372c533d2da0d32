import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiZodOperation } from '../openapi/zod-openapi';
import { complaintResultSchema } from '../operator/operator-views';
import { Roles } from '../guards/auth.decorators';
import { ComplaintsService } from './complaints.service';

@ApiTags('operator: complaints')
@ApiBearerAuth()
@Roles('operator')
@Controller('v1/operator/complaints')
export class ComplaintsController {
  constructor(private readonly complaints: ComplaintsService) {}

  @Post('arf')
  @ApiZodOperation({
    summary:
      "Ingest one ARF feedback report (RFC 5965) from a mailbox provider's feedback loop; attributes it by X-Spam-Reference",
    rawBody: ['message/rfc822'],
    response: complaintResultSchema,
    status: 201,
  })
  ingest(@Body() body: unknown) {
    const raw = Buffer.isBuffer(body)
      ? body
      : typeof body === 'string'
        ? Buffer.from(body, 'latin1')
        : Buffer.alloc(0);
    return this.complaints.ingest(raw);
  }
}
