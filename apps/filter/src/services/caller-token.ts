import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** Routes anyone on the network path may read: probes and scrapes carry no mail and change nothing. */
const OPEN_PATHS = new Set(['/health', '/metrics']);

/**
 * Only authenticated callers reach the filter (FILTER_API_TOKEN): every route but /health and /metrics needs
 * `Authorization: Bearer <token>`. Without it anyone who could reach the port could claim `x-direction: outbound`
 * and an `x-auth-user`, and get a customer's account blocked by sending spam in their name. Compared in constant
 * time over SHA-256 digests (equal lengths whatever was sent). An empty token turns the check off (the quick start
 * always sets one; tests that need none leave it empty).
 */
export function requireCallerToken(
  token: string,
  next: RequestListener,
  onRefused: () => void = () => undefined,
): RequestListener {
  if (token === '') return next;
  const expected = digest(token);
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (OPEN_PATHS.has(path) || presented(req, expected)) return next(req, res);
    onRefused();
    const body = JSON.stringify({
      error: 'unauthorized',
      reason: 'missing or wrong bearer token (FILTER_API_TOKEN)',
    });
    res.writeHead(401, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'www-authenticate': 'Bearer realm="spamfilter"',
      // The body of a refused request is not read: close so the caller stops sending it.
      connection: 'close',
    });
    res.end(body);
    req.resume();
  };
}

function presented(req: IncomingMessage, expected: Buffer): boolean {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !/^bearer /i.test(header)) return false;
  return timingSafeEqual(digest(header.slice(7).trim()), expected);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
