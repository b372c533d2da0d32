import { SYMBOL_NAME_PATTERN } from '@spamfilter/domain';
import { isIPv4 } from 'node:net';

/** Answer codes from..to (IPv4 as unsigned integers, inclusive) that mean one kind of listing in a zone. */
export interface DnsblCode {
  readonly from: number;
  readonly to: number;
  readonly symbol: string;
  readonly weight: number;
}

export interface DnsblZone {
  readonly zone: string;
  /** The zone's symbol: any listing code that no entry of `codes` maps. */
  readonly symbol: string;
  /** The symbol's default weight: positive for block lists, negative for allow lists (DNSWL). */
  readonly weight: number;
  /** Per-code symbols (DNSBL_CODES), e.g. zen.spamhaus.org's SBL, XBL and PBL ranges. */
  readonly codes: readonly DnsblCode[];
}

/** What one A record in a DNSBL answer means (RFC 5782 §2.1). */
export type DnsblAnswer =
  | { readonly kind: 'listed'; readonly symbol: string; readonly code: string }
  /** Not a listing: 127.255.255.0/24 is how Spamhaus and others report a refused query (e.g. .254: asked through a
   * public resolver); an answer outside 127/8 is a resolver that rewrites NXDOMAIN or a zone gone bad. */
  | { readonly kind: 'error'; readonly code: string };

const ENTRY = /^([a-z0-9.-]+\.[a-z0-9-]+)=([A-Z][A-Z0-9_]*):(-?\d+(?:\.\d+)?)$/i;
const CODE_ENTRY =
  /^([a-z0-9.-]+\.[a-z0-9-]+)\/(\d+\.\d+\.\d+\.\d+)(?:-(\d+\.\d+\.\d+\.\d+))?=([A-Z][A-Z0-9_]*):(-?\d+(?:\.\d+)?)$/i;

/**
 * Parses DNSBL_ZONES entries "zone=SYMBOL:weight" and DNSBL_CODES entries "zone/127.0.0.2[-127.0.0.3]=SYMBOL:weight";
 * throws one message naming every bad entry. A code entry for a zone that is not in DNSBL_ZONES is an error: it would
 * never be asked.
 */
export function parseDnsblZones(
  entries: readonly string[],
  codeEntries: readonly string[] = [],
): DnsblZone[] {
  const zones = new Map<string, { zone: string; symbol: string; weight: number; codes: DnsblCode[] }>();
  const bad: string[] = [];
  for (const entry of entries) {
    const m = ENTRY.exec(entry.trim());
    if (!m || !SYMBOL_NAME_PATTERN.test(m[2])) {
      bad.push(JSON.stringify(entry));
      continue;
    }
    const zone = m[1].toLowerCase().replace(/\.$/, '');
    zones.set(zone, { zone, symbol: m[2], weight: Number(m[3]), codes: [] });
  }
  if (bad.length > 0) throw new Error(`DNSBL_ZONES: expected zone=SYMBOL:weight, got ${bad.join(', ')}`);
  for (const entry of codeEntries) {
    const m = CODE_ENTRY.exec(entry.trim());
    const zone = m ? zones.get(m[1].toLowerCase().replace(/\.$/, '')) : undefined;
    const from = m && isIPv4(m[2]) ? ipv4ToInt(m[2]) : null;
    const to = m ? (m[3] === undefined ? from : isIPv4(m[3]) ? ipv4ToInt(m[3]) : null) : null;
    if (!m || !zone || from === null || to === null || to < from || !inLoopback(from) || !inLoopback(to)) {
      bad.push(`${JSON.stringify(entry)}${m && !zone ? ' (zone not in DNSBL_ZONES)' : ''}`);
      continue;
    }
    zone.codes.push({ from, to, symbol: m[4], weight: Number(m[5]) });
  }
  if (bad.length > 0)
    throw new Error(
      `DNSBL_CODES: expected zone/127.0.0.x[-127.0.0.y]=SYMBOL:weight with the zone in DNSBL_ZONES, got ${bad.join(', ')}`,
    );
  return [...zones.values()];
}

/** The meaning of one answer of `zone`. */
export function classifyAnswer(zone: DnsblZone, address: string): DnsblAnswer {
  const n = isIPv4(address) ? ipv4ToInt(address) : null;
  if (n === null || !inLoopback(n) || n >>> 8 === 0x7fffff) return { kind: 'error', code: address };
  const code = zone.codes.find((c) => n >= c.from && n <= c.to);
  return { kind: 'listed', symbol: code ? code.symbol : zone.symbol, code: address };
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function inLoopback(n: number): boolean {
  return n >>> 24 === 127;
}
