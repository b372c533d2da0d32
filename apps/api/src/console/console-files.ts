import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * How the console's built files are served, as pure decisions (the controller does the I/O).
 *
 * Content-Security-Policy: scripts, styles, images, fonts and API calls from this origin only; no inline script or
 * style element (Vite emits external bundles; React sets styles through the DOM, which CSP does not restrict), no
 * plugins, no <base> rewriting, forms post only here, and no framing by anyone (clickjacking).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every console response. */
export const CONSOLE_HEADERS: readonly (readonly [string, string])[] = [
  ['content-security-policy', CONSOLE_CSP],
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'DENY'],
  ['referrer-policy', 'same-origin'],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()'],
];

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export type ConsoleTarget =
  /** A built file: `file` is relative to the console folder. Hashed bundles under assets/ never change. */
  | { readonly kind: 'file'; readonly file: string; readonly type: string; readonly immutable: boolean }
  /** A page of the single-page app (a client-side route): index.html. */
  | { readonly kind: 'page' }
  | { readonly kind: 'not-found' };

/**
 * What a path under /console/ names. Built files live under assets/ (hashed bundles) and at the top (favicon.svg):
 * those are files, and a missing one is a 404, never the page, so a stale bundle name fails loudly. Every other path
 * is one of the app's routes — which may well contain dots (/operator/outbound/bulk@example.net). Anything that could
 * leave the folder — `..`, backslashes, encoded separators, NUL, dot-files — is not found.
 */
export function consoleTarget(rest: string): ConsoleTarget {
  let path: string;
  try {
    path = decodeURIComponent(rest.split('?')[0]!.split('#')[0]!);
  } catch {
    return { kind: 'not-found' };
  }
  path = path.replace(/^\/+/, '');
  if (path === '' || path === 'index.html') return { kind: 'page' };
  if (/[\\\0]/.test(path)) return { kind: 'not-found' };
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.')))
    return { kind: 'not-found' };
  const last = segments[segments.length - 1]!;
  const dot = last.lastIndexOf('.');
  const type = dot > 0 ? TYPES[last.slice(dot).toLowerCase()] : undefined;
  const assets = segments[0] === 'assets';
  if (!assets && !(segments.length === 1 && type)) return { kind: 'page' };
  if (!type) return { kind: 'not-found' };
  return { kind: 'file', file: segments.join('/'), type, immutable: assets };
}

/**
 * The console's folder: CONSOLE_DIR, or dist/console of the installation this code runs from (the folder with
 * package.json above it: the repository under ts-node, /app in the image).
 */
export function consoleDir(configured: string, from: string): string {
  if (configured) return resolve(configured);
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'console');
    const up = dirname(dir);
    if (up === dir) return resolve('dist', 'console');
    dir = up;
  }
}
