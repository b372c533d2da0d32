import {
  Body,
  Controller,
  Delete,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import {
  CreateMarkDto,
  createMarkSchema,
  idempotencyKeyOf,
  MarkDto,
  rawMarkQuerySchema,
  type CreateMark,
  type RawMarkQuery,
} from '../dtos/mark.dto';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { MarksService } from '../services/marks.service';

@ApiTags('marks')
@ApiBearerAuth()
@Controller('v1/marks')
export class MarksController {
  constructor(private readonly marks: MarksService) {}

  @Post()
  @ApiOperation({ summary: 'Mark a scanned message as spam or ham by its reference ID' })
  @ApiBody({ type: CreateMarkDto })
  @ApiCreatedResponse({
    type: MarkDto,
    description: 'The mark, accepted (its FeedbackEvent is in the outbox)',
  })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(createMarkSchema)) body: CreateMark,
  ): Promise<MarkDto> {
    return this.marks.markByReference(principal, body);
  }

  @Post('raw')
  // The one route a mailbox service key may call (dovecot/: the Junk hook marks on behalf of its domain's users).
  @Roles('user', 'domain_admin', 'operator', 'mailbox_service')
  @ApiOperation({
    summary:
      'Mark a raw message (IMAPSieve hook: the client moved it to or out of Junk); the caller is the user, or names the recipient',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'One key per reported move (1–128 of A–Z a–z 0–9 . _ : -): a resend with the same key returns the mark the first one made and trains nothing again',
  })
  @ApiConsumes('message/rfc822', 'application/octet-stream', 'text/plain')
  @ApiBody({
    schema: { type: 'string', format: 'binary', description: 'the message as the client has it (RFC 5322)' },
  })
  @ApiQuery({ name: 'label', enum: ['spam', 'ham'], required: false })
  @ApiQuery({ name: 'recipient', required: false })
  @ApiCreatedResponse({
    type: MarkDto,
    description: 'The mark, accepted (its FeedbackEvent is in the outbox)',
  })
  createRaw(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(rawMarkQuerySchema)) query: RawMarkQuery,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() raw: unknown,
  ): Promise<MarkDto> {
    return this.marks.markRaw(principal, raw, query, idempotencyKeyOf(idempotencyKey));
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Undo a mark: the learner removes exactly what it trained' })
  @ApiOkResponse({ type: MarkDto, description: 'The mark, undone' })
  undo(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<MarkDto> {
    return this.marks.undo(principal, id);
  }
}
