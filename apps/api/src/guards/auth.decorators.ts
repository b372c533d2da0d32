import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { SessionPrincipal } from '../console/console-session.service';
import type { ApiRole, Principal } from './principal';

export const PUBLIC_ROUTE = 'spamfilter:public';
export const ROUTE_ROLES = 'spamfilter:roles';

/** The route needs no API key (health, the public reference page). Everything else is authenticated. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/**
 * Only these roles may call the route (after authentication). Without it, every authenticated role may — except
 * mailbox_service keys, which may call only routes that name that role here (deny by default: a key that sits on
 * every mail store host must not read verdicts or change lists).
 */
export const Roles = (...roles: ApiRole[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROUTE_ROLES, roles);

export interface AuthenticatedRequest {
  principal?: Principal;
  headers: Record<string, string | string[] | undefined>;
  method?: string;
  /** Express: the connection is TLS. */
  secure?: boolean;
  /** Set when the caller came in with the web console's session cookie instead of a key. */
  consoleSession?: SessionPrincipal;
}

/** The caller, set by ApiKeyGuard. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!req.principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return req.principal;
});
