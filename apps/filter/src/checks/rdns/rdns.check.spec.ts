import type { ScanContext } from '../../pipeline/check';
import { DnsError, reverseName, type DnsResolver, type RrType } from '../../services/dns/dns-resolver';
import { RdnsCheck } from './rdns.check';

/** A resolver answering from a table ("PTR name" → answers); anything else is NXDOMAIN. */
class TableResolver implements DnsResolver {
  readonly enabled = true;
  constructor(private readonly table: Readonly<Record<string, string[]>>) {}
  resolve(name: string, rrtype: RrType): Promise<string[]> {
    const v = this.table[`${rrtype} ${name}`];
    return v ? Promise.resolve(v) : Promise.reject(new DnsError('ENOTFOUND', name));
  }
}

const IP = '192.0.2.10';
const ctx = (helo: string): ScanContext =>
  ({
    envelope: { clientIp: IP, helo, mailFrom: 'a@b.example', rcptTo: ['r@x.example'], direction: 'inbound' },
  }) as unknown as ScanContext;

describe('RdnsCheck HELO against the confirmed rDNS name', () => {
  const check = (ptr: string) =>
    new RdnsCheck(new TableResolver({ [`PTR ${reverseName(IP)}`]: [ptr], [`A ${ptr}`]: [IP] }));
  const names = async (ptr: string, helo: string) => (await check(ptr).run(ctx(helo))).map((h) => h.name);

  it('compares registrable domains by the public suffix list', async () => {
    expect(await names('host1.customer.co.uk', 'evil.attacker.co.uk')).toEqual([
      'RDNS_FCRDNS',
      'HELO_RDNS_MISMATCH',
    ]);
    expect(await names('host1.customer.co.uk', 'mx.customer.co.uk')).toEqual(['RDNS_FCRDNS']);
    expect(await names('out.example.com', 'mx1.example.com')).toEqual(['RDNS_FCRDNS']);
    expect(await names('out.example.com', 'mx1.example.net')).toEqual(['RDNS_FCRDNS', 'HELO_RDNS_MISMATCH']);
  });
});
