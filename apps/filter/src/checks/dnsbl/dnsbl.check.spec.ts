import type { ScanContext } from '../../pipeline/check';
import { DnsError, reverseName, type DnsResolver, type RrType } from '../../services/dns/dns-resolver';
import { DnsblCheck } from './dnsbl.check';
import { parseDnsblZones } from './dnsbl-zones';

class TableResolver implements DnsResolver {
  readonly enabled = true;
  constructor(private readonly table: Readonly<Record<string, string[]>>) {}
  resolve(name: string, rrtype: RrType): Promise<string[]> {
    const v = this.table[`${rrtype} ${name}`];
    return v ? Promise.resolve(v) : Promise.reject(new DnsError('ENOTFOUND', name));
  }
}

const IP = '192.0.2.99';
const ctx = {
  envelope: { clientIp: IP, helo: 'x.example', mailFrom: '', rcptTo: ['r@x.example'], direction: 'inbound' },
} as unknown as ScanContext;
const zones = parseDnsblZones(
  ['zen.spamhaus.org=RBL_SPAMHAUS:4', 'bl.test=RBL_TEST:3'],
  ['zen.spamhaus.org/127.0.0.10-127.0.0.11=RBL_SPAMHAUS_PBL:2'],
);

describe('DnsblCheck', () => {
  it('reports a code’s own symbol, and an error code as DNSBL_ERROR through onError, never as a listing', async () => {
    const errors: string[] = [];
    const check = new DnsblCheck(
      new TableResolver({
        [`A ${reverseName(IP, 'zen.spamhaus.org')}`]: ['127.0.0.10'],
        [`A ${reverseName(IP, 'bl.test')}`]: ['127.255.255.254'],
      }),
      zones,
      (zone, code) => errors.push(`${zone} ${code}`),
    );
    expect(await check.run(ctx)).toEqual([
      { name: 'RBL_SPAMHAUS_PBL', options: ['127.0.0.10'] },
      { name: 'DNSBL_ERROR', options: ['bl.test 127.255.255.254'] },
    ]);
    expect(errors).toEqual(['bl.test 127.255.255.254']);
    expect(check.symbols.map((s) => [s.name, s.defaultWeight])).toEqual([
      ['RBL_SPAMHAUS', 4],
      ['RBL_SPAMHAUS_PBL', 2],
      ['RBL_TEST', 3],
      ['DNSBL_TEMPFAIL', 0],
      ['DNSBL_ERROR', 0],
    ]);
  });
});
