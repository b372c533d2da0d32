import { Resolver } from 'node:dns/promises';

/** Record types the checks ask for. */
export type RrType = 'A' | 'AAAA' | 'TXT' | 'MX' | 'PTR' | 'CNAME' | 'NS';

/**
 * Errors a resolver may fail with: `code` follows node's dns codes (ENOTFOUND/ENODATA mean "no record"). Most are
 * answers (every sender domain without an SPF record is one), so no stack trace is captured: it says nothing about
 * a DNS answer, and capturing one cost 6% of a scan's CPU (profile of `bench -- scan`).
 */
export class DnsError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.code = code;
    this.name = 'DnsError';
  }
}

/** "No such record" codes: an answer, not a failure (mailauth treats them the same way). */
export const DNS_NO_DATA = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'NOTFOUND']);

/**
 * The one DNS port of the filter. Its `resolve` has the `dns.promises.resolve` contract mailauth expects for its
 * `resolver` option (TXT answers are string[][]), so auth checks and our own checks share it, its timeout and cache.
 */
export interface DnsResolver {
  /** false: network checks are off; they report nothing and cost nothing. */
  readonly enabled: boolean;
  resolve(name: string, rrtype: RrType): Promise<string[] | string[][]>;
}

export class OffDnsResolver implements DnsResolver {
  readonly enabled = false;
  resolve(name: string): Promise<string[]> {
    return Promise.reject(new DnsError('EDNSOFF', `DNS is off (${name})`));
  }
}

export interface NodeDnsOptions {
  /** host:port entries; empty: the system's resolvers. */
  readonly servers: readonly string[];
  readonly timeoutMs: number;
  readonly cacheSeconds: number;
  readonly cacheEntries: number;
  readonly now?: () => number;
}

/** Counts of a resolver's network queries since start, read by /metrics (spamfilter_dns_*_total). */
export interface DnsStats {
  /** Queries sent (answers from the cache or joined to a query in flight are not queries). */
  queries: number;
  /** Queries unanswered within the deadline. */
  timeouts: number;
  /** Queries that failed otherwise (SERVFAIL, REFUSED, a malformed answer); NXDOMAIN/NODATA are answers. */
  failures: number;
}

type CacheEntry = { readonly until: number; readonly value?: string[] | string[][]; readonly code?: string };

/**
 * node's c-ares resolver with a hard per-query deadline (c-ares' own timeout is per try and per server, so a slow or
 * garbage-answering server could still stall several seconds: the race below bounds it), a shape check of every
 * answer (a malformed answer is an error, never a crash inside a check), and a small bounded cache of answers and
 * of NXDOMAIN/NODATA (RFC 2308 negative caching), never of timeouts or server failures.
 */
export class NodeDnsResolver implements DnsResolver {
  readonly enabled = true;
  private readonly resolver: Resolver;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<string[] | string[][]>>();
  private readonly now: () => number;
  readonly stats: DnsStats = { queries: 0, timeouts: 0, failures: 0 };

  constructor(private readonly options: NodeDnsOptions) {
    // tries: 1 — the deadline is ours; c-ares falls back to TCP by itself when an answer is truncated (TC bit).
    this.resolver = new Resolver({ timeout: Math.max(10, options.timeoutMs), tries: 1 });
    if (options.servers.length > 0) this.resolver.setServers([...options.servers]);
    this.now = options.now ?? Date.now;
  }

  resolve(name: string, rrtype: RrType): Promise<string[] | string[][]> {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) {
      return hit.value
        ? Promise.resolve(hit.value)
        : Promise.reject(new DnsError(hit.code ?? 'ENOTFOUND', `${rrtype} ${name}: ${hit.code}`));
    }
    const pending = this.inflight.get(key);
    if (pending) return pending;
    this.stats.queries++;
    const p = this.query(name, rrtype).then(
      (value) => {
        this.remember(key, { until: this.now() + this.options.cacheSeconds * 1000, value });
        return value;
      },
      (err: unknown) => {
        const code = err instanceof DnsError ? err.code : 'ESERVFAIL';
        if (DNS_NO_DATA.has(code))
          this.remember(key, { until: this.now() + this.options.cacheSeconds * 1000, code });
        else if (code === 'ETIMEOUT') this.stats.timeouts++;
        else this.stats.failures++;
        throw err;
      },
    );
    this.inflight.set(key, p);
    void p.finally(() => this.inflight.delete(key)).catch(() => undefined);
    return p;
  }

  /** Cancels outstanding queries (shutdown). */
  close(): void {
    this.resolver.cancel();
  }

  private remember(key: string, entry: CacheEntry): void {
    if (this.options.cacheSeconds <= 0 || this.options.cacheEntries <= 0) return;
    if (this.cache.size >= this.options.cacheEntries) {
      // Map keeps insertion order: drop the oldest tenth.
      let n = Math.ceil(this.options.cacheEntries / 10);
      for (const k of this.cache.keys()) {
        this.cache.delete(k);
        if (--n <= 0) break;
      }
    }
    this.cache.set(key, entry);
  }

  private query(name: string, rrtype: RrType): Promise<string[] | string[][]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new DnsError('ETIMEOUT', `${rrtype} ${name}: no answer in ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
      timer.unref();
    });
    const answer = this.lookup(name, rrtype).then(
      (value) => validateAnswer(name, rrtype, value),
      (err: unknown) => {
        const code =
          typeof (err as { code?: unknown })?.code === 'string'
            ? (err as { code: string }).code
            : 'ESERVFAIL';
        throw new DnsError(code, `${rrtype} ${name}: ${code}`);
      },
    );
    return Promise.race([answer, deadline]).finally(() => clearTimeout(timer));
  }

  private lookup(name: string, rrtype: RrType): Promise<unknown> {
    switch (rrtype) {
      case 'A':
        return this.resolver.resolve4(name);
      case 'AAAA':
        return this.resolver.resolve6(name);
      case 'TXT':
        return this.resolver.resolveTxt(name);
      case 'MX':
        return this.resolver.resolveMx(name);
      case 'PTR':
        return this.resolver.resolvePtr(name);
      case 'CNAME':
        return this.resolver.resolveCname(name);
      case 'NS':
        return this.resolver.resolveNs(name);
    }
  }
}

function validateAnswer(name: string, rrtype: RrType, value: unknown): string[] | string[][] {
  const bad = (): never => {
    throw new DnsError('EBADRESP', `${rrtype} ${name}: malformed answer`);
  };
  if (!Array.isArray(value)) return bad();
  if (rrtype === 'TXT') {
    for (const row of value) if (!Array.isArray(row) || row.some((s) => typeof s !== 'string')) bad();
    return value as string[][];
  }
  if (rrtype === 'MX') {
    // mailauth expects { exchange, priority } objects for MX; keep node's shape.
    return value as unknown as string[];
  }
  for (const s of value) if (typeof s !== 'string') bad();
  return value as string[];
}

/** in-addr.arpa / ip6.arpa name of an address (RFC 1035 §3.5, RFC 3596 §2.5). */
export function reverseName(ip: string, zone?: string): string {
  if (ip.includes(':')) {
    const nibbles = expandIpv6(ip).replace(/:/g, '').split('').reverse().join('.');
    return `${nibbles}.${zone ?? 'ip6.arpa'}`;
  }
  return `${ip.split('.').reverse().join('.')}.${zone ?? 'in-addr.arpa'}`;
}

function expandIpv6(ip: string): string {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - h.length - t.length;
  return [...h, ...Array<string>(missing).fill('0'), ...t].map((g) => g.padStart(4, '0')).join(':');
}
