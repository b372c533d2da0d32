import { createHash, randomBytes } from 'node:crypto';

/**
 * The console's session cookie and its CSRF defence, as pure functions.
 *
 * The cookie holds an opaque random token (256 bits); the server keeps only its SHA-256. It is HttpOnly (no script
 * reads it), SameSite=Strict (a browser sends it only on requests started from this site, RFC 6265bis §5.4.7), has
 * no Max-Age (it ends with the browser; the server ends it sooner, CONSOLE_SESSION_*), and is Secure when the console
 * is served over TLS — then under the `__Host-` prefix, which browsers accept only Secure, host-only and for Path=/
 * (RFC 6265bis §4.1.3.2), so no sibling sub-domain can plant or shadow it.
 */
export const SESSION_COOKIE = 'sf_session';
export const SECURE_SESSION_COOKIE = '__Host-sf_session';

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newSessionToken(random: (n: number) => Buffer = randomBytes): string {
  return random(32).toString('base64url');
}

/** What the server stores: the token's SHA-256 (hex), so a database leak does not leak live sessions. */
export function sessionTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Cookie header → name/value pairs (RFC 6265 §5.4: `name=value` separated by `; `); the first of a name wins. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

/** The session token from a Cookie header, or null (absent or not a token this server could have issued). */
export function sessionTokenOf(cookieHeader: string | undefined): string | null {
  const cookies = parseCookies(cookieHeader);
  const token = cookies.get(SECURE_SESSION_COOKIE) ?? cookies.get(SESSION_COOKIE);
  return token !== undefined && TOKEN_PATTERN.test(token) ? token : null;
}

/** Set-Cookie for a new session. */
export function sessionCookie(token: string, secure: boolean): string {
  const name = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  return `${name}=${token}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** Set-Cookie headers that delete the session cookie under both names. */
export function clearedSessionCookies(): string[] {
  const gone = 'Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT';
  return [`${SESSION_COOKIE}=; ${gone}`, `${SECURE_SESSION_COOKIE}=; ${gone}; Secure`];
}

export interface RequestFacts {
  readonly method: string;
  readonly origin?: string;
  readonly referer?: string;
  readonly host?: string;
  /** The connection itself is TLS (Express: req.secure). */
  readonly tls?: boolean;
  readonly forwardedProto?: string;
}

/** GET, HEAD and OPTIONS change nothing (RFC 9110 §9.2.1), so they need no CSRF check. */
export function isSafeMethod(method: string): boolean {
  return ['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/** Whether the Secure flag applies: CONSOLE_COOKIE_SECURE, or for auto the request came over TLS (or a TLS proxy). */
export function cookieSecureFor(setting: 'auto' | 'always' | 'never', r: RequestFacts): boolean {
  switch (setting) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'auto':
      return r.tls === true || r.forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https';
  }
}

function originOf(url: string): URL | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

/**
 * The CSRF defence of state-changing requests that carry the session cookie, on top of SameSite=Strict: the request
 * must say where it comes from (Origin, which browsers send on every non-GET fetch, or else Referer) and that must be
 * the console itself — CONSOLE_ORIGIN when configured, otherwise the host the request was sent to. A request that
 * names no origin at all is refused: a browser always names one, and non-browser clients use the Bearer key.
 */
export function sameOriginRequest(r: RequestFacts, configuredOrigin: string): boolean {
  const claimed =
    r.origin && r.origin !== 'null' ? originOf(r.origin) : r.referer ? originOf(r.referer) : null;
  if (!claimed) return false;
  if (configuredOrigin) {
    const expected = originOf(configuredOrigin);
    return expected !== null && claimed.origin === expected.origin;
  }
  return r.host !== undefined && claimed.host.toLowerCase() === r.host.trim().toLowerCase();
}
