/**
 * The console's only way to the server: same-origin fetch with the session cookie (the browser adds it; no script
 * can read it). Errors become ApiError with the server's message; a 401 means the session ended, and the app goes
 * back to the sign-in page.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const SIGNED_OUT_EVENT = 'sf:signed-out';

interface Options {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly body?: unknown;
  /** Sent once, on sign-in with a key; never stored. */
  readonly bearer?: string;
  /** A 401 is the answer itself (sign-in forms), not a sign the session ended. */
  readonly expectUnauthorized?: boolean;
}

function messageOf(status: number, body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body) {
    const m = (body as { message: unknown }).message;
    if (Array.isArray(m)) return m.map(String).join('; ');
    if (typeof m === 'string') return m;
  }
  return `the server answered ${status}`;
}

export async function api<T>(path: string, options: Options = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  let res: Response;
  try {
    res = await fetch(path, {
      method: options.method ?? 'GET',
      credentials: 'same-origin',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, 'the server cannot be reached; check your connection and try again');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    if (res.status === 401 && !options.expectUnauthorized) window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    throw new ApiError(res.status, messageOf(res.status, body));
  }
  return body as T;
}
