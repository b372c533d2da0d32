import { classifyAnswer, parseDnsblZones } from './dnsbl-zones';

const ZEN = ['zen.spamhaus.org=RBL_SPAMHAUS:4'];
const ZEN_CODES = [
  'zen.spamhaus.org/127.0.0.2-127.0.0.3=RBL_SPAMHAUS_SBL:4',
  'zen.spamhaus.org/127.0.0.4-127.0.0.7=RBL_SPAMHAUS_XBL:4',
  'zen.spamhaus.org/127.0.0.10-127.0.0.11=RBL_SPAMHAUS_PBL:2',
];

describe('DNSBL zones and answer codes', () => {
  const [zen] = parseDnsblZones(ZEN, ZEN_CODES);

  it('maps each code to its range’s symbol, other 127/8 codes to the zone’s symbol', () => {
    expect(classifyAnswer(zen, '127.0.0.2')).toEqual({
      kind: 'listed',
      symbol: 'RBL_SPAMHAUS_SBL',
      code: '127.0.0.2',
    });
    expect(classifyAnswer(zen, '127.0.0.6')).toMatchObject({ symbol: 'RBL_SPAMHAUS_XBL' });
    expect(classifyAnswer(zen, '127.0.0.11')).toMatchObject({ symbol: 'RBL_SPAMHAUS_PBL' });
    expect(classifyAnswer(zen, '127.0.0.9')).toMatchObject({ kind: 'listed', symbol: 'RBL_SPAMHAUS' });
  });

  it('treats 127.255.255.x and answers outside 127/8 as errors, not listings', () => {
    expect(classifyAnswer(zen, '127.255.255.254')).toEqual({ kind: 'error', code: '127.255.255.254' });
    expect(classifyAnswer(zen, '127.255.255.252')).toMatchObject({ kind: 'error' });
    expect(classifyAnswer(zen, '192.0.2.1')).toMatchObject({ kind: 'error' });
    expect(classifyAnswer(zen, 'garbage')).toMatchObject({ kind: 'error' });
  });

  it('refuses malformed entries, codes outside 127/8 and codes for zones that are not asked, naming each', () => {
    expect(() => parseDnsblZones(['zen.spamhaus.org=rbl:4'])).toThrow(
      /DNSBL_ZONES: .*zen.spamhaus.org=rbl:4/,
    );
    expect(() =>
      parseDnsblZones(ZEN, [
        'zen.spamhaus.org/10.0.0.2=X:1',
        'other.example/127.0.0.2=Y:1',
        'zen.spamhaus.org/127.0.0.5-127.0.0.4=Z:1',
      ]),
    ).toThrow(
      /DNSBL_CODES: .*10\.0\.0\.2.*other\.example\/127\.0\.0\.2=Y:1" \(zone not in DNSBL_ZONES\).*127\.0\.0\.5-127\.0\.0\.4/,
    );
    expect(parseDnsblZones(['Bl.Test=RBL_TEST:4'])).toEqual([
      { zone: 'bl.test', symbol: 'RBL_TEST', weight: 4, codes: [] },
    ]);
  });
});
