import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthService } from '../services/auth.service';
import { parseBearer } from '../services/api-key.codec';
import { PUBLIC_ROUTE, ROUTE_ROLES, type AuthenticatedRequest } from './auth.decorators';
import type { ApiRole } from './principal';

/**
 * Global guard (APP_GUARD): every route needs a valid API key unless it is marked @Public(); @Roles() narrows
 * who may call it. Tenancy (whose mail) is decided by the services with mayActFor, because it depends on the data.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers['authorization'];
    const key = parseBearer(Array.isArray(header) ? header[0] : header);
    if (!key)
      throw new UnauthorizedException('an API key is required: Authorization: Bearer sf_<prefix>_<secret>');
    const principal = await this.auth.authenticate(key);
    if (!principal) throw new UnauthorizedException('unknown or revoked API key');
    req.principal = principal;

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
