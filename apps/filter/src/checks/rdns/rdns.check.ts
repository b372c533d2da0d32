import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import { registrableDomain } from '@spamfilter/mail';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import { isIP } from 'node:net';
import type { Check, ScanContext } from '../../pipeline/check';
import { isValidHelo } from '../../services/envelope.parser';
import { DNS_NO_DATA, DnsError, reverseName, type DnsResolver } from '../../services/dns/dns-resolver';

const sym = (name: keyof typeof DEFAULT_WEIGHTS, description: string): SymbolDefinition => ({
  name,
  group: 'connection',
  description,
  defaultWeight: DEFAULT_WEIGHTS[name],
});

export const RDNS_SYMBOLS = [
  sym('RDNS_NONE', 'Client IP has no reverse DNS (PTR)'),
  sym('RDNS_NOT_FCRDNS', 'Reverse DNS name does not resolve back to the client IP'),
  sym('RDNS_FCRDNS', 'Forward-confirmed reverse DNS'),
  sym('RDNS_TEMPFAIL', 'Reverse DNS could not be checked'),
  sym('HELO_NOT_FQDN', 'HELO is not a fully qualified domain name (RFC 5321 §4.1.1.1)'),
  sym('HELO_IP_LITERAL', 'HELO is an address literal'),
  sym(
    'HELO_RDNS_MISMATCH',
    "HELO is not the client's confirmed reverse DNS name nor in its registrable domain",
  ),
] as const;

/**
 * Forward-confirmed reverse DNS (PTR → A/AAAA contains the client IP) and HELO sanity. HELO checks that need no DNS
 * run even with DNS off; inbound only (outbound clients are authenticated users behind NAT and home routers).
 */
export class RdnsCheck implements Check {
  readonly name = 'rdns';
  readonly symbols = RDNS_SYMBOLS;
  readonly tempfail = 'RDNS_TEMPFAIL';

  constructor(private readonly dns: DnsResolver) {}

  async run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    const e = ctx.envelope;
    if (e.direction === 'outbound') return [];
    const hits: SymbolHit[] = heloHits(e.helo);
    if (!this.dns.enabled || isIP(e.clientIp) === 0 || isPrivate(e.clientIp)) return hits;

    let names: string[];
    try {
      names = ((await this.dns.resolve(reverseName(e.clientIp), 'PTR')) as string[]).map((n) =>
        n.toLowerCase().replace(/\.$/, ''),
      );
    } catch (err) {
      if (err instanceof DnsError && DNS_NO_DATA.has(err.code)) return [...hits, { name: 'RDNS_NONE' }];
      return [...hits, { name: 'RDNS_TEMPFAIL', options: ['PTR'] }];
    }
    if (names.length === 0) return [...hits, { name: 'RDNS_NONE' }];

    // RFC 8601 §3 "iprev": at most 10 names are followed, so a hostile PTR set cannot fan out.
    const rrtype = isIP(e.clientIp) === 6 ? 'AAAA' : 'A';
    let confirmed: string | null = null;
    let temp = false;
    for (const name of names.slice(0, 10)) {
      try {
        const addrs = (await this.dns.resolve(name, rrtype)) as string[];
        if (addrs.some((a) => sameIp(a, e.clientIp))) {
          confirmed = name;
          break;
        }
      } catch (err) {
        if (!(err instanceof DnsError && DNS_NO_DATA.has(err.code))) temp = true;
      }
    }
    if (confirmed) {
      hits.push({ name: 'RDNS_FCRDNS', options: [confirmed] });
      const helo = e.helo.toLowerCase().replace(/\.$/, '');
      if (isFqdn(helo) && helo !== confirmed && !sameParent(helo, confirmed))
        hits.push({ name: 'HELO_RDNS_MISMATCH', options: [`${helo} ≠ ${confirmed}`] });
    } else if (temp) {
      hits.push({ name: 'RDNS_TEMPFAIL', options: [rrtype] });
    } else {
      hits.push({ name: 'RDNS_NOT_FCRDNS', options: [names[0]] });
    }
    return hits;
  }
}

export function heloHits(heloRaw: string): SymbolHit[] {
  const helo = heloRaw.trim().toLowerCase().replace(/\.$/, '');
  // A HELO that is no host name at all is the envelope check's HELO_INVALID, not scored twice here.
  if (!isValidHelo(heloRaw.trim())) return [];
  if (/^\[.*\]$/.test(helo) || isIP(helo) !== 0) return [{ name: 'HELO_IP_LITERAL', options: [helo] }];
  if (!isFqdn(helo)) return [{ name: 'HELO_NOT_FQDN', options: [helo] }];
  return [];
}

function isFqdn(name: string): boolean {
  return /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(name);
}

/**
 * Same registrable domain by the public suffix list (tldts): mx1.example.com and out.example.com are, but
 * evil.attacker.co.uk and host1.customer.co.uk are not (the last two labels, co.uk, are a public suffix).
 */
function sameParent(a: string, b: string): boolean {
  return registrableDomain(a) === registrableDomain(b);
}

function sameIp(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function isPrivate(ip: string): boolean {
  return /^(10\.|127\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|::1$|fe80:|fc|fd)/i.test(ip);
}
