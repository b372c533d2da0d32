import {
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  UnauthorizedException,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import {
  ConsoleSessionRepository,
  SESSION_TOUCH_INTERVAL_MS,
  UserAccountEntity,
  type ConsoleSessionEntity,
  type ConsoleSessionVia,
} from '@spamfilter/persistence';
import { DataSource } from 'typeorm';
import { API_APP_CONFIG } from '../api-config.token';
import { domainOf, type Principal } from '../guards/principal';
import { AuthService } from '../services/auth.service';
import {
  cookieSecureFor,
  isSafeMethod,
  newSessionToken,
  sameOriginRequest,
  sessionCookie,
  sessionTokenHash,
  sessionTokenOf,
  type RequestFacts,
} from './session-cookie';

/** What the guard hands over: the request's headers, method and whether the connection is TLS. */
export interface SessionRequest {
  readonly method?: string;
  readonly secure?: boolean;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface OpenedSession {
  readonly token: string;
  /** Set-Cookie value. */
  readonly cookie: string;
  readonly expiresAt: Date;
}

export interface SessionPrincipal {
  readonly principal: Principal;
  readonly tokenHash: string;
  readonly via: ConsoleSessionVia;
  readonly expiresAt: Date;
}

/** How often expired sessions are deleted. */
const PURGE_INTERVAL_MS = 3_600_000;

function header(h: SessionRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

export function requestFacts(req: SessionRequest): RequestFacts {
  return {
    method: req.method ?? 'GET',
    origin: header(req.headers, 'origin'),
    referer: header(req.headers, 'referer'),
    host: header(req.headers, 'host'),
    tls: req.secure === true,
    forwardedProto: header(req.headers, 'x-forwarded-proto'),
  };
}

/**
 * The web console's sessions: an API key (checked by the guard) or a mailbox password (checked over IMAP) is
 * exchanged once for an opaque token in an HttpOnly, SameSite=Strict cookie; each later request is authenticated
 * from the session row, which ends after CONSOLE_SESSION_IDLE_MINUTES without a request, after
 * CONSOLE_SESSION_MAX_HOURS in any case, on sign-out, and at once when its key is revoked or its mailbox removed.
 */
@Injectable()
export class ConsoleSessionService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(ConsoleSessionService.name);
  private purgeTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: ConsoleSessionRepository,
    private readonly auth: AuthService,
    private readonly db: DataSource,
  ) {}

  private get idleMs(): number {
    return this.config.console.sessionIdleMinutes * 60_000;
  }

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
  }

  async purge(now = new Date()): Promise<number> {
    try {
      return await this.sessions.deleteExpired(now, this.idleMs);
    } catch (err) {
      this.log.warn(
        `expired console sessions not purged: ${err instanceof Error ? err.message : String(err)}`,
      );
      return 0;
    }
  }

  /** A new session for a key the guard authenticated, or a mailbox whose password the IMAP server accepted. */
  async open(
    who: { readonly via: 'key'; readonly keyId: string } | { readonly via: 'imap'; readonly userId: string },
    req: SessionRequest,
    now = new Date(),
  ): Promise<OpenedSession> {
    const token = newSessionToken();
    const expiresAt = new Date(now.getTime() + this.config.console.sessionMaxHours * 3_600_000);
    const row: ConsoleSessionEntity = {
      tokenHash: sessionTokenHash(token),
      via: who.via,
      keyId: who.via === 'key' ? who.keyId : null,
      userId: who.via === 'imap' ? who.userId : null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
    };
    await this.sessions.create(row);
    return { token, cookie: sessionCookie(token, this.secure(req)), expiresAt };
  }

  secure(req: SessionRequest): boolean {
    return cookieSecureFor(this.config.console.cookieSecure, requestFacts(req));
  }

  /**
   * The guard's second way in, for requests without an Authorization header: null when the request carries no
   * session cookie; the session's principal when it is live; 401 when it has ended; 403 for a state-changing request
   * that does not come from the console's own origin (CSRF).
   */
  async authenticate(req: SessionRequest, now = new Date()): Promise<SessionPrincipal | null> {
    const token = sessionTokenOf(header(req.headers, 'cookie'));
    if (!token) return null;
    const facts = requestFacts(req);
    if (!isSafeMethod(facts.method) && !sameOriginRequest(facts, this.config.console.origin)) {
      throw new ForbiddenException(
        'a state-changing request with the console session must come from the console itself',
      );
    }
    const tokenHash = sessionTokenHash(token);
    const session = await this.sessions.find(tokenHash);
    if (!session || session.expiresAt <= now || session.lastSeenAt.getTime() + this.idleMs <= now.getTime()) {
      if (session) await this.sessions.delete(tokenHash);
      throw new UnauthorizedException('your console session has ended: sign in again');
    }
    const principal = await this.principalOf(session);
    if (!principal) {
      await this.sessions.delete(tokenHash);
      throw new UnauthorizedException(
        'the key or mailbox of this console session no longer exists: sign in again',
      );
    }
    // The sliding idle end moves at most once a minute: most requests read the row and write nothing.
    if (now.getTime() - session.lastSeenAt.getTime() >= SESSION_TOUCH_INTERVAL_MS)
      await this.sessions.touch(tokenHash, now);
    return { principal, tokenHash, via: session.via, expiresAt: session.expiresAt };
  }

  async close(tokenHash: string): Promise<void> {
    await this.sessions.delete(tokenHash);
  }

  private async principalOf(session: ConsoleSessionEntity): Promise<Principal | null> {
    switch (session.via) {
      case 'key':
        return session.keyId ? this.auth.authenticateKeyId(session.keyId) : null;
      case 'imap': {
        const user = session.userId
          ? await this.db.getRepository(UserAccountEntity).findOneBy({ id: session.userId })
          : null;
        return user ? mailboxPrincipal(user) : null;
      }
    }
  }
}

/**
 * A mailbox signed in with its password has the rights of a user key of that mailbox (its own mail only); admins and
 * operators sign in with their key. The key fields name the sign-in, for logs and audit rows ("mailbox").
 */
export function mailboxPrincipal(user: { id: string; tenantId: string; address: string }): Principal {
  return {
    keyId: `mailbox:${user.id}`,
    keyPrefix: 'mailbox',
    role: 'user',
    userId: user.id,
    tenantId: user.tenantId,
    address: user.address,
    domain: domainOf(user.address),
  };
}
