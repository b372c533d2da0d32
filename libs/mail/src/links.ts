import { getDomain } from 'tldts';

/**
 * Host of a URL as the mail client would see it: lower-cased, userinfo and port dropped, trailing dot removed.
 * '' for mailto:, relative URLs and garbage. Hand-written because WHATWG `new URL` throws on much of what spam
 * contains and is several times slower.
 */
export function urlHost(url: string): string {
  let s = url.trim();
  const lower = s.slice(0, 12).toLowerCase();
  let start: number;
  if (lower.startsWith('http://')) start = 7;
  else if (lower.startsWith('https://')) start = 8;
  else if (lower.startsWith('ftp://')) start = 6;
  else if (lower.startsWith('www.')) start = 0;
  else if (lower.startsWith('//')) start = 2;
  else return '';
  s = s.slice(start);
  let end = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35 || c === 92 || c <= 32) {
      end = i;
      break;
    }
  }
  let host = s.slice(0, end);
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    return close > 0 ? host.slice(0, close + 1).toLowerCase() : '';
  }
  const colon = host.indexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  host = host.toLowerCase().replace(/\.+$/, '');
  if (!/^[a-z0-9._%-]+$/.test(host) && !/^[^\s<>"']+$/.test(host)) return '';
  return host.slice(0, 253);
}

const BARE_URL = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`{}|\\^[\]]+/gi;

/** Bare URLs written in plain text (http(s)://, ftp://, www.), trailing punctuation trimmed. */
export function findUrls(text: string, max: number): string[] {
  const out: string[] = [];
  if (text.indexOf('://') < 0 && text.toLowerCase().indexOf('www.') < 0) return out;
  BARE_URL.lastIndex = 0;
  for (let m = BARE_URL.exec(text); m !== null && out.length < max; m = BARE_URL.exec(text)) {
    out.push(m[0].replace(/[.,;:!?)>\]'"]+$/, ''));
  }
  return out;
}

const domainCache = new Map<string, string>();

/**
 * The registrable domain ("eTLD+1", Public Suffix List) of a host: `mail.example.co.uk` → `example.co.uk`.
 * IP literals and hosts without a public suffix come back unchanged.
 */
export function registrableDomain(host: string): string {
  const h = host.toLowerCase();
  const cached = domainCache.get(h);
  if (cached !== undefined) return cached;
  let d: string;
  if (/^\[?[0-9a-f:.]+\]?$/.test(h) && (h.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(h))) d = h;
  else d = getDomain(h, { allowPrivateDomains: false }) ?? h;
  if (domainCache.size > 50_000) domainCache.clear();
  domainCache.set(h, d);
  return d;
}
