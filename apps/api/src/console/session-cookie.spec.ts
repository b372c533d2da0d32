import {
  clearedSessionCookies,
  cookieSecureFor,
  isSafeMethod,
  newSessionToken,
  parseCookies,
  sameOriginRequest,
  sessionCookie,
  sessionTokenHash,
  sessionTokenOf,
} from './session-cookie';

const token = newSessionToken((n) => Buffer.alloc(n, 7));

describe('session token and cookie', () => {
  it('makes 256-bit url-safe tokens and stores only their SHA-256', () => {
    expect(newSessionToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSessionToken()).not.toBe(newSessionToken());
    expect(sessionTokenHash(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(sessionTokenHash(token)).not.toContain(token);
  });

  it('sets HttpOnly, SameSite=Strict, Path=/ and no lifetime; Secure under the __Host- prefix over TLS', () => {
    expect(sessionCookie(token, false)).toBe(`sf_session=${token}; Path=/; HttpOnly; SameSite=Strict`);
    expect(sessionCookie(token, true)).toBe(
      `__Host-sf_session=${token}; Path=/; HttpOnly; SameSite=Strict; Secure`,
    );
    expect(sessionCookie(token, true)).not.toMatch(/Domain=|Max-Age|Expires/);
    for (const c of clearedSessionCookies())
      expect(c).toMatch(/^(sf_session|__Host-sf_session)=; .*Max-Age=0/);
  });

  it('reads the token back from a Cookie header among others, and refuses anything it could not have issued', () => {
    expect(sessionTokenOf(`a=1; sf_session=${token}; b="2"`)).toBe(token);
    expect(sessionTokenOf(`__Host-sf_session=${token}`)).toBe(token);
    expect(sessionTokenOf(undefined)).toBeNull();
    expect(sessionTokenOf('sf_session=short')).toBeNull();
    expect(sessionTokenOf(`sf_session=${token}x`)).toBeNull();
    expect(sessionTokenOf("sf_session=' OR 1=1 --")).toBeNull();
    expect(parseCookies('x=1; x=2; =3; y')).toEqual(new Map([['x', '1']]));
  });
});

describe('CSRF: state-changing requests with the cookie come from the console itself', () => {
  it('needs no check for GET, HEAD and OPTIONS', () => {
    expect(['GET', 'head', 'OPTIONS'].every(isSafeMethod)).toBe(true);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].some(isSafeMethod)).toBe(false);
  });

  it('accepts the Origin of the host the request was sent to, refuses other sites, null and a missing origin', () => {
    const at = { method: 'POST', host: '127.0.0.1:8080' };
    expect(sameOriginRequest({ ...at, origin: 'http://127.0.0.1:8080' }, '')).toBe(true);
    expect(sameOriginRequest({ ...at, origin: 'http://evil.example' }, '')).toBe(false);
    expect(sameOriginRequest({ ...at, origin: 'http://127.0.0.1:8081' }, '')).toBe(false);
    expect(sameOriginRequest({ ...at, origin: 'null' }, '')).toBe(false);
    expect(sameOriginRequest(at, '')).toBe(false);
    expect(sameOriginRequest({ ...at, origin: 'file:///x' }, '')).toBe(false);
    // Referer stands in when a browser sends no Origin
    expect(sameOriginRequest({ ...at, referer: 'http://127.0.0.1:8080/console/lists' }, '')).toBe(true);
    expect(sameOriginRequest({ ...at, referer: 'http://evil.example/127.0.0.1:8080' }, '')).toBe(false);
  });

  it('compares scheme, host and port with CONSOLE_ORIGIN when it is configured (behind a proxy)', () => {
    const at = { method: 'DELETE', host: 'api.internal:8080' };
    const console = 'https://filter.example.net';
    expect(sameOriginRequest({ ...at, origin: 'https://filter.example.net' }, console)).toBe(true);
    expect(sameOriginRequest({ ...at, origin: 'http://filter.example.net' }, console)).toBe(false);
    expect(sameOriginRequest({ ...at, origin: 'http://api.internal:8080' }, console)).toBe(false);
  });

  it('sets Secure over TLS, behind a TLS proxy, or always when configured', () => {
    const r = { method: 'POST' };
    expect(cookieSecureFor('auto', r)).toBe(false);
    expect(cookieSecureFor('auto', { ...r, tls: true })).toBe(true);
    expect(cookieSecureFor('auto', { ...r, forwardedProto: 'https, http' })).toBe(true);
    expect(cookieSecureFor('always', r)).toBe(true);
    expect(cookieSecureFor('never', { ...r, tls: true })).toBe(false);
  });
});
