'use strict';
const { parseHostPort, parsePools, routeFor, poolFromHeaders } = require('../lib/pools');

describe('pools', () => {
  it('parses host:port, [v6]:port and a bare host (port 25); refuses the rest', () => {
    expect(parseHostPort('10.0.0.5:2525')).toEqual({ host: '10.0.0.5', port: 2525 });
    expect(parseHostPort(' relay-risky.example.net ')).toEqual({ host: 'relay-risky.example.net', port: 25 });
    expect(parseHostPort('[::1]:587')).toEqual({ host: '::1', port: 587 });
    for (const bad of ['', 'a:b:c', 'host:0', 'host:70000', 'host:x', 'ho st:25', undefined]) {
      expect(parseHostPort(bad)).toBeNull();
    }
  });

  it('maps pool names (case-insensitive) to next hops and names every bad entry', () => {
    const { pools, problems } = parsePools({
      Risky: '127.0.0.1:2527',
      bulk: 'nope:port',
      'bad name': '1.2.3.4',
    });
    expect(pools).toEqual({ risky: { host: '127.0.0.1', port: 2527 } });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/pools\.bulk/);
    expect(problems.join('\n')).toMatch(/pools\.bad name/);
    expect(parsePools(undefined)).toEqual({ pools: {}, problems: [] });
  });

  it('routes untagged mail to the main hop, a configured pool to its hop, an unknown pool to main (unknown)', () => {
    const { pools } = parsePools({ risky: '127.0.0.1:2527' });
    expect(routeFor(undefined, pools)).toEqual({ kind: 'main' });
    expect(routeFor('  ', pools)).toEqual({ kind: 'main' });
    expect(routeFor('RISKY', pools)).toEqual({ kind: 'pool', pool: 'risky', host: '127.0.0.1', port: 2527 });
    expect(routeFor('bulk', pools)).toEqual({ kind: 'unknown', pool: 'bulk' });
    // Object prototype names are not pools.
    expect(routeFor('constructor', pools)).toEqual({ kind: 'unknown', pool: 'constructor' });
  });

  it('reads the pool from the verdict headers, case-insensitively', () => {
    const headers = [
      ['X-Spam-Status', 'No'],
      ['x-spam-outbound-pool', ' risky '],
    ];
    expect(poolFromHeaders(headers, 'X-Spam-Outbound-Pool')).toBe('risky');
    expect(poolFromHeaders([['X-Spam-Status', 'No']], 'X-Spam-Outbound-Pool')).toBeUndefined();
    expect(poolFromHeaders([['X-Spam-Outbound-Pool', '']], 'X-Spam-Outbound-Pool')).toBeUndefined();
  });
});
