import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import ipaddr from 'ipaddr.js';
import type { Check, ScanContext } from '../../pipeline/check';
import { DNS_NO_DATA, DnsError, reverseName, type DnsResolver } from '../../services/dns/dns-resolver';
import type { DnsblZone } from './dnsbl-zones';

/**
 * DNS block and allow lists (RFC 5782): the client IP reversed under each configured zone; an A record in 127/8 is
 * a listing (the answer goes into the options, e.g. 127.0.0.2). The zones, their symbols and weights are
 * configuration (DNSBL_ZONES), so symbols are declared at start-up from it. A zone that does not answer adds
 * DNSBL_TEMPFAIL with the zone name; the other zones still count.
 */
export class DnsblCheck implements Check {
  readonly name = 'dnsbl';
  readonly tempfail = 'DNSBL_TEMPFAIL';
  readonly symbols: readonly SymbolDefinition[];

  constructor(
    private readonly dns: DnsResolver,
    private readonly zones: readonly DnsblZone[],
  ) {
    this.symbols = [
      ...zones.map(
        (z): SymbolDefinition => ({
          name: z.symbol,
          group: 'connection',
          description: `Client IP listed in ${z.zone}${z.weight < 0 ? ' (allow list)' : ''}`,
          defaultWeight: z.weight,
        }),
      ),
      { name: 'DNSBL_TEMPFAIL', group: 'connection', description: 'A DNS list did not answer', defaultWeight: DEFAULT_WEIGHTS.DNSBL_TEMPFAIL },
    ];
  }

  async run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    if (!this.dns.enabled || this.zones.length === 0) return [];
    let ip: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      ip = ipaddr.process(ctx.envelope.clientIp);
    } catch {
      return [];
    }
    // Private and loopback addresses are never listed; asking would only leak internal addresses.
    if (['private', 'loopback', 'linkLocal', 'uniqueLocal', 'unspecified', 'carrierGradeNat'].includes(ip.range())) return [];
    const addr = ip.kind() === 'ipv6' ? (ip as ipaddr.IPv6).toNormalizedString() : ip.toString();
    const results = await Promise.all(
      this.zones.map(async (z): Promise<SymbolHit | null> => {
        try {
          const answers = (await this.dns.resolve(reverseName(addr, z.zone), 'A')) as string[];
          const codes = answers.filter((a) => a.startsWith('127.'));
          return codes.length > 0 ? { name: z.symbol, options: codes } : null;
        } catch (err) {
          if (err instanceof DnsError && DNS_NO_DATA.has(err.code)) return null;
          return { name: 'DNSBL_TEMPFAIL', options: [z.zone] };
        }
      }),
    );
    return results.filter((h): h is SymbolHit => h !== null);
  }
}
