import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ConsoleSessionService } from '../console/console-session.service';
import { AuthService } from '../services/auth.service';
import { parseBearer } from '../services/api-key.codec';
import { PUBLIC_ROUTE, ROUTE_ROLES, type AuthenticatedRequest } from './auth.decorators';
import type { ApiRole } from './principal';

/**
 * Global guard (APP_GUARD): every route needs a valid API key — or the web console's session cookie, which stands for
 * the key or mailbox it was opened with — unless it is marked @Public(); @Roles() narrows
 * who may call it. Tenancy (whose mail) is decided by the services with mayActFor, because it depends on the data.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly sessions: ConsoleSessionService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers['authorization'];
    // The web console's way in: no Authorization header, its session cookie (CSRF-checked for changes).
    const session = header === undefined ? await this.sessions.authenticate(req) : null;
    if (session) {
      req.consoleSession = session;
      req.principal = session.principal;
    } else {
      const key = parseBearer(Array.isArray(header) ? header[0] : header);
      if (!key)
        throw new UnauthorizedException('an API key is required: Authorization: Bearer sf_<prefix>_<secret>');
      const principal = await this.auth.authenticate(key);
      if (!principal) throw new UnauthorizedException('unknown or revoked API key');
      req.principal = principal;
    }
    const principal = req.principal;

    const roles = this.reflector.getAllAndOverride<ApiRole[] | undefined>(ROUTE_ROLES, targets);
    if (principal.role === 'mailbox_service' && !roles?.includes('mailbox_service')) {
      throw new ForbiddenException('a mailbox service key may only mark messages (POST /v1/marks/raw)');
    }
    if (roles && !roles.includes(principal.role)) {
      throw new ForbiddenException(`this call needs the role ${roles.join(' or ')}`);
    }
    return true;
  }
}
