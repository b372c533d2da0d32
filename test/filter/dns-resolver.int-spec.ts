import { DnsError, NodeDnsResolver, reverseName } from '../../apps/filter/src/services/dns/dns-resolver';
import { ZoneDnsServer } from '../dns/zone-dns-server';

describe('NodeDnsResolver against a loopback DNS server', () => {
  let dns: ZoneDnsServer;
  let resolver: NodeDnsResolver;
  const make = (timeoutMs = 300, cacheSeconds = 0): NodeDnsResolver =>
    new NodeDnsResolver({ servers: [dns.address], timeoutMs, cacheSeconds, cacheEntries: 100 });

  beforeAll(async () => {
    dns = await ZoneDnsServer.start({
      'mx.example.org': { A: ['192.0.2.25'] },
      'example.org': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all', 'x'.repeat(400)] },
      [reverseName('192.0.2.25')]: { PTR: ['mx.example.org'] },
      'slow.example.org': { A: ['192.0.2.1'] },
    });
  });
  afterEach(() => {
    dns.reset();
    resolver?.close();
  });
  afterAll(() => dns.close());

  it('answers A, TXT (long strings in chunks) and PTR from the zone', async () => {
    resolver = make();
    expect(await resolver.resolve('mx.example.org', 'A')).toEqual(['192.0.2.25']);
    const txt = (await resolver.resolve('example.org', 'TXT')) as string[][];
    expect(txt.map((t) => t.join(''))).toEqual(['v=spf1 ip4:192.0.2.0/24 -all', 'x'.repeat(400)]);
    expect(txt[1]).toHaveLength(2);
    expect(await resolver.resolve(reverseName('192.0.2.25'), 'PTR')).toEqual(['mx.example.org']);
  });

  it('reports NXDOMAIN as ENOTFOUND (an answer, not a failure)', async () => {
    resolver = make();
    await expect(resolver.resolve('nope.example.org', 'A')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it.each([
    ['slow', { mode: 'slow', delayMs: 2000 } as const],
    ['dropped', { mode: 'drop' } as const],
    ['garbage', { mode: 'garbage' } as const],
    ['truncated (no TCP to fall back to)', { mode: 'truncate' } as const],
    ['SERVFAIL', { mode: 'servfail' } as const],
  ])('fails a %s answer within its timeout, never stalls', async (_label, behaviour) => {
    resolver = make(300);
    dns.misbehave(/^slow\./, behaviour);
    const t0 = Date.now();
    const err = await resolver.resolve('slow.example.org', 'A').then(
      () => null,
      (e: unknown) => e,
    );
    const ms = Date.now() - t0;
    expect(err).toBeInstanceOf(DnsError);
    expect(['ENOTFOUND', 'ENODATA']).not.toContain((err as DnsError).code);
    // Counted, not timed: one query and no retries (c-ares' own tries are per server and could stall for seconds).
    // The time is bounded against the 300 ms timeout with a margin a loaded machine cannot use up; the slow server's
    // answer (2 s) would have been a success, not a DnsError.
    expect(dns.queries.filter((q) => q === 'A slow.example.org')).toHaveLength(1);
    expect(ms).toBeLessThan(10_000);
  });

  it('caches answers and NXDOMAIN, not timeouts', async () => {
    resolver = make(200, 60);
    await resolver.resolve('mx.example.org', 'A');
    await resolver.resolve('mx.example.org', 'A');
    // Both calls must still report NXDOMAIN: the second one from the cache, not a cached success or a failure.
    await expect(resolver.resolve('nope.example.org', 'A')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver.resolve('nope.example.org', 'A')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(dns.queries.filter((q) => q === 'A mx.example.org')).toHaveLength(1);
    expect(dns.queries.filter((q) => q === 'A nope.example.org')).toHaveLength(1);
    dns.misbehave(/^slow\./, { mode: 'drop' });
    await expect(resolver.resolve('slow.example.org', 'A')).rejects.toBeInstanceOf(DnsError);
    dns.reset();
    expect(await resolver.resolve('slow.example.org', 'A')).toEqual(['192.0.2.1']);
  });

  it('counts queries sent, timeouts and failures for /metrics; cached answers and NXDOMAIN are neither', async () => {
    resolver = make(200, 60);
    await resolver.resolve('mx.example.org', 'A');
    await resolver.resolve('mx.example.org', 'A'); // from the cache
    await resolver.resolve('nope.example.org', 'A').catch(() => undefined); // NXDOMAIN: an answer
    dns.misbehave(/^slow\./, { mode: 'drop' });
    await resolver.resolve('slow.example.org', 'A').catch(() => undefined);
    expect(resolver.stats).toEqual({ queries: 3, timeouts: 1, failures: 0 });
    // Nothing listens on the server's port: refused at once, a failure rather than a timeout.
    const closed = new NodeDnsResolver({
      servers: ['127.0.0.1:9'],
      timeoutMs: 1000,
      cacheSeconds: 0,
      cacheEntries: 0,
    });
    const err = await closed.resolve('mx.example.org', 'A').catch((e: DnsError) => e);
    closed.close();
    expect(closed.stats).toEqual({ queries: 1, timeouts: 0, failures: 1 });
    expect((err as DnsError).code).not.toBe('ETIMEOUT');
  });
});
