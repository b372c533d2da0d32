import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  Post,
  Req,
  Res,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AppConfig } from '@spamfilter/config';
import { UserAccountEntity } from '@spamfilter/persistence';
import { DataSource } from 'typeorm';
import { API_APP_CONFIG } from '../api-config.token';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { CurrentPrincipal, Public, type AuthenticatedRequest } from '../guards/auth.decorators';
import type { Principal } from '../guards/principal';
import { ApiZodOperation } from '../openapi/zod-openapi';
import { PublicRateLimiter } from '../public/public-rate-limiter';
import { ConsoleSessionService, mailboxPrincipal, requestFacts } from './console-session.service';
import { mailboxSignInSchema, openSessionSchema, sessionViewSchema, type SessionView } from './console.dto';
import { ImapPasswordChecker } from './imap-password.checker';
import { clearedSessionCookies, sameOriginRequest } from './session-cookie';

interface CookieResponse {
  setHeader(name: string, value: string | string[]): void;
}

interface ClientRequest extends AuthenticatedRequest {
  readonly ip?: string;
  readonly body?: unknown;
}

/**
 * Signing in to the web console. An API key is exchanged once (POST /v1/session with the key as the Bearer
 * credential) for an opaque session in an HttpOnly, SameSite=Strict cookie, so the key does not stay in the browser;
 * with CONSOLE_IMAP_URL a user may instead sign in with the mailbox password, which the provider's IMAP server checks.
 * Every other route accepts the cookie in place of the key (state-changing ones only from the console's own origin).
 */
@ApiTags('console session')
@ApiBearerAuth()
@Controller('v1/session')
export class SessionController {
  private readonly limiter: PublicRateLimiter;

  constructor(
    private readonly sessions: ConsoleSessionService,
    private readonly imap: ImapPasswordChecker,
    private readonly db: DataSource,
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.limiter = new PublicRateLimiter(config.console.signInPerMinute);
  }

  @Post()
  @ApiZodOperation({
    summary:
      'Open a console session with the API key given as the Bearer credential (Set-Cookie: the session)',
    description:
      'The key is checked like on any call and not kept; the answer sets an HttpOnly, SameSite=Strict session cookie that later calls carry instead of the key. Refused with a session cookie alone: sign in with a key.',
    body: openSessionSchema,
    response: sessionViewSchema,
    status: 201,
  })
  async open(
    @CurrentPrincipal() p: Principal,
    @Req() req: ClientRequest,
    @Res({ passthrough: true }) res: CookieResponse,
    @Body(new ZodPipe(openSessionSchema)) _body: unknown,
  ): Promise<SessionView> {
    if (req.consoleSession)
      throw new BadRequestException('this call exchanges an API key: send it as Authorization: Bearer');
    // A browser page of another site cannot send the Authorization header without CORS, which this API does not
    // allow; still, a sign-in named by a foreign Origin is refused (login CSRF).
    this.refuseForeignOrigin(req);
    const opened = await this.sessions.open({ via: 'key', keyId: p.keyId }, req);
    res.setHeader('set-cookie', opened.cookie);
    return this.view(p, 'key', opened.expiresAt);
  }

  @Post('mailbox')
  @Public()
  @ApiZodOperation({
    summary:
      "Open a console session with a mailbox's address and password (checked at the provider's IMAP server)",
    description:
      'Only when CONSOLE_IMAP_URL is set (else 503). The mailbox must be a user here; it gets the rights of a user key of that mailbox. 401 for a wrong or missing address or password, 429 past CONSOLE_SIGNIN_PER_MINUTE tries per client IP.',
    body: mailboxSignInSchema,
    response: sessionViewSchema,
    status: 201,
  })
  async mailbox(
    @Req() req: ClientRequest,
    @Res({ passthrough: true }) res: CookieResponse,
  ): Promise<SessionView> {
    // Missing or malformed credentials are a failed sign-in (401) like wrong ones; nothing tells them apart.
    const parsed = mailboxSignInSchema.safeParse(req.body);
    if (!parsed.success) throw new UnauthorizedException('sign in with your mailbox address and password');
    this.refuseForeignOrigin(req);
    if (!this.imap.configured)
      throw new ServiceUnavailableException(
        'mailbox sign-in is not configured here: sign in with an API key',
      );
    if (!this.limiter.allow(req.ip ?? 'unknown'))
      throw new HttpException('too many sign-in attempts: wait a minute', HttpStatus.TOO_MANY_REQUESTS);
    const { address, password } = parsed.data;
    const user = await this.db.getRepository(UserAccountEntity).findOneBy({ address });
    // Ask the IMAP server even for an unknown mailbox, so the answer's timing does not tell which mailboxes exist.
    const check = await this.imap.check(address, password);
    if (check === 'unavailable')
      throw new ServiceUnavailableException('the mailbox server did not answer: try again shortly');
    if (check !== 'ok' || !user) throw new UnauthorizedException('wrong address or password');
    const opened = await this.sessions.open({ via: 'imap', userId: user.id }, req);
    res.setHeader('set-cookie', opened.cookie);
    return this.view(mailboxPrincipal(user), 'imap', opened.expiresAt);
  }

  @Get()
  @ApiZodOperation({
    summary: 'Who is signed in (console session or key) and until when',
    response: sessionViewSchema,
  })
  current(@CurrentPrincipal() p: Principal, @Req() req: ClientRequest): SessionView {
    const s = req.consoleSession;
    return this.view(p, s ? s.via : 'bearer', s ? s.expiresAt : null);
  }

  @Delete()
  @HttpCode(204)
  @ApiZodOperation({ summary: 'Sign out: ends the console session and clears its cookie', status: 204 })
  async close(@Req() req: ClientRequest, @Res({ passthrough: true }) res: CookieResponse): Promise<void> {
    if (req.consoleSession) await this.sessions.close(req.consoleSession.tokenHash);
    res.setHeader('set-cookie', clearedSessionCookies());
  }

  private refuseForeignOrigin(req: ClientRequest): void {
    const facts = requestFacts(req);
    if ((facts.origin || facts.referer) && !sameOriginRequest(facts, this.config.console.origin))
      throw new ForbiddenException('sign in from the console itself');
  }

  private view(p: Principal, via: SessionView['via'], expiresAt: Date | null): SessionView {
    return {
      role: p.role,
      address: p.address,
      domain: p.domain,
      tenantId: p.tenantId,
      via,
      expiresAt: expiresAt?.toISOString() ?? null,
      idleMinutes: this.config.console.sessionIdleMinutes,
      mailboxSignIn: this.imap.configured,
    };
  }
}
