import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import ipaddr from 'ipaddr.js';
import type { Check, ScanContext } from '../../pipeline/check';
import { DNS_NO_DATA, DnsError, reverseName, type DnsResolver } from '../../services/dns/dns-resolver';
import { classifyAnswer, type DnsblZone } from './dnsbl-zones';

/**
 * DNS block and allow lists (RFC 5782): the client IP reversed under each configured zone; an A record in 127/8 is
 * a listing (the answer goes into the options, e.g. 127.0.0.2), mapped to a symbol by the zone's answer codes
 * (DNSBL_CODES: zen.spamhaus.org's SBL, XBL and PBL are different listings) or else the zone's own symbol. An
 * answer in 127.255.255.0/24 or outside 127/8 is the list refusing the query, not a listing: DNSBL_ERROR (weight 0)
 * and `onError` (counted and logged by the composition root). The zones, their symbols and weights are
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
    private readonly onError: (zone: string, code: string) => void = () => undefined,
  ) {
    const declared = new Map<string, SymbolDefinition>();
    const declare = (name: string, weight: number, description: string): void => {
      if (!declared.has(name))
        declared.set(name, { name, group: 'connection', description, defaultWeight: weight });
    };
    for (const z of zones) {
      declare(z.symbol, z.weight, `Client IP listed in ${z.zone}${z.weight < 0 ? ' (allow list)' : ''}`);
      for (const c of z.codes)
        declare(
          c.symbol,
          c.weight,
          `Client IP listed in ${z.zone} with a code of this kind${c.weight < 0 ? ' (allow list)' : ''}`,
        );
    }
    declare('DNSBL_TEMPFAIL', DEFAULT_WEIGHTS.DNSBL_TEMPFAIL, 'A DNS list did not answer');
    declare(
      'DNSBL_ERROR',
      DEFAULT_WEIGHTS.DNSBL_ERROR,
      'A DNS list answered with an error code (127.255.255.x or outside 127/8), not a listing',
    );
    this.symbols = [...declared.values()];
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
    if (
      ['private', 'loopback', 'linkLocal', 'uniqueLocal', 'unspecified', 'carrierGradeNat'].includes(
        ip.range(),
      )
    )
      return [];
    const addr = ip.kind() === 'ipv6' ? (ip as ipaddr.IPv6).toNormalizedString() : ip.toString();
    const results = await Promise.all(
      this.zones.map(async (z): Promise<SymbolHit[]> => {
        try {
          const answers = (await this.dns.resolve(reverseName(addr, z.zone), 'A')) as string[];
          const hits: SymbolHit[] = [];
          for (const answer of answers.map((a) => classifyAnswer(z, a))) {
            if (answer.kind === 'error') {
              this.onError(z.zone, answer.code);
              hits.push({ name: 'DNSBL_ERROR', options: [`${z.zone} ${answer.code}`] });
            } else {
              hits.push({ name: answer.symbol, options: [answer.code] });
            }
          }
          return hits;
        } catch (err) {
          if (err instanceof DnsError && DNS_NO_DATA.has(err.code)) return [];
          return [{ name: 'DNSBL_TEMPFAIL', options: [z.zone] }];
        }
      }),
    );
    return results.flat();
  }
}
