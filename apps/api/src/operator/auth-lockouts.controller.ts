import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiZodOperation } from '../openapi/zod-openapi';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal, Roles } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { AuthLockoutsService } from './auth-lockouts.service';
import { actorOf } from './operator-actor';
import {
  authLockoutClearedSchema,
  authLockoutClearSchema,
  authLockoutListingSchema,
  authLockoutListSchema,
  type AuthLockoutClearBody,
  type AuthLockoutListQuery,
} from './operator.dto';

/**
 * SMTP AUTH lockouts (submission): an IP that failed AUTH too often (AUTH_GUARD_IP_FAILURES), an account attacked
 * from many IPs (AUTH_GUARD_ACCOUNT_FAILURES, refused only to the IPs that failed for it). While one lasts, AUTH is
 * answered 454 4.7.0 without a password check. 503 when the counter store cannot be reached.
 */
@ApiTags('operator: AUTH lockouts')
@ApiBearerAuth()
@Roles('operator')
@Controller('v1/operator/auth-lockouts')
export class AuthLockoutsController {
  constructor(private readonly lockouts: AuthLockoutsService) {}

  @Get()
  @ApiZodOperation({
    summary:
      'Running AUTH lockouts (ip or account, since, until, the IPs an account lockout refuses) and AUTH failure counts per IP and per account in the window (?limit: counter keys read, default 500)',
    query: authLockoutListSchema,
    response: authLockoutListingSchema,
  })
  list(@Query(new ZodPipe(authLockoutListSchema)) q: AuthLockoutListQuery) {
    return this.lockouts.list(q.limit);
  }

  @Post('clear')
  @HttpCode(200)
  @ApiZodOperation({
    summary:
      'End the lockout of one IP or one account and forget its failures. Body { ip } or { account }, and { reason } (logged, sent as an operator notice)',
    body: authLockoutClearSchema,
    response: authLockoutClearedSchema,
  })
  clear(
    @CurrentPrincipal() p: Principal,
    @Body(new ZodPipe(authLockoutClearSchema)) body: AuthLockoutClearBody,
  ) {
    return this.lockouts.clear(body, actorOf(p));
  }
}
