import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import ipaddr from 'ipaddr.js';
import type { Check, ScanContext } from '../../pipeline/check';
import type { ListEntry, ListSource } from './list-source';

const sym = (name: keyof typeof DEFAULT_WEIGHTS, description: string): SymbolDefinition => ({
  name,
  group: 'lists',
  description,
  defaultWeight: DEFAULT_WEIGHTS[name],
});

export const LIST_SYMBOLS = [
  sym('USER_ALLOW', "Sender on the recipient's own allow list"),
  sym('USER_BLOCK', "Sender on the recipient's own block list"),
  sym('DOMAIN_ALLOW', "Sender on the recipient domain's allow list"),
  sym('DOMAIN_BLOCK', "Sender on the recipient domain's block list"),
  sym('GLOBAL_ALLOW', 'Sender on the operator allow list'),
  sym('GLOBAL_BLOCK', 'Sender on the operator block list'),
  sym('LISTS_TEMPFAIL', 'Allow/block lists could not be read'),
] as const;

const SYMBOL: Record<ListEntry['scope'], Record<ListEntry['kind'], string>> = {
  user: { allow: 'USER_ALLOW', block: 'USER_BLOCK' },
  domain: { allow: 'DOMAIN_ALLOW', block: 'DOMAIN_BLOCK' },
  global: { allow: 'GLOBAL_ALLOW', block: 'GLOBAL_BLOCK' },
};

/**
 * User, domain and global allow/block lists by address, domain (and its subdomains), IP and CIDR, matched against
 * MAIL FROM, the From header and the client IP. User and domain hits carry `recipients`, so a block for one recipient
 * never touches the others; the matching entry is the hit's option, so an allow is visible in the explanation.
 */
export class ListsCheck implements Check {
  readonly name = 'lists';
  readonly symbols = LIST_SYMBOLS;
  readonly tempfail = 'LISTS_TEMPFAIL';

  constructor(private readonly source: ListSource) {}

  async run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    const entries = await this.source.entriesFor(ctx.envelope.rcptTo, ctx.envelope.direction);
    if (entries.length === 0) return [];
    return matchLists(entries, {
      addresses: [ctx.envelope.mailFrom, ctx.message.from?.address ?? ''].map((a) => a.toLowerCase()).filter((a) => a.includes('@')),
      ip: ctx.envelope.clientIp,
      recipients: ctx.envelope.rcptTo,
    });
  }
}

export function matchLists(
  entries: readonly ListEntry[],
  facts: { readonly addresses: readonly string[]; readonly ip: string; readonly recipients: readonly string[] },
): SymbolHit[] {
  const domains = [...new Set(facts.addresses.map((a) => a.slice(a.lastIndexOf('@') + 1)))];
  let ip: Address | null = null;
  try {
    ip = ipaddr.process(facts.ip);
  } catch {
    ip = null;
  }
  const hits: SymbolHit[] = [];
  for (const e of entries) {
    if (!matches(e, facts.addresses, domains, ip)) continue;
    const option = `${e.kind}:${e.match}:${e.value}`;
    const name = SYMBOL[e.scope][e.kind];
    if (e.scope === 'global') {
      hits.push({ name, options: [option] });
      continue;
    }
    const owner = (e.owner ?? '').toLowerCase();
    const recipients = facts.recipients.filter((r) => (e.scope === 'user' ? r.toLowerCase() === owner : r.toLowerCase().endsWith(`@${owner}`)));
    if (recipients.length > 0) hits.push({ name, options: [option], recipients });
  }
  return hits;
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;
/** A list entry's IP or CIDR value parsed once (entries repeat across scans), null when it does not parse. */
type ParsedRange = { readonly ip: Address; readonly bits: number | null } | null;
const PARSED_CACHE_MAX = 10_000;
const parsedRanges = new Map<string, ParsedRange>();

function parseRange(match: 'ip' | 'cidr', value: string): ParsedRange {
  const key = `${match}:${value}`;
  if (parsedRanges.has(key)) return parsedRanges.get(key) as ParsedRange;
  let parsed: ParsedRange = null;
  try {
    if (match === 'ip') parsed = { ip: ipaddr.process(value), bits: null };
    else {
      const [range, bits] = ipaddr.parseCIDR(value);
      const mapped = range.kind() === 'ipv6' && bits >= 96 && (range as ipaddr.IPv6).isIPv4MappedAddress();
      parsed = mapped ? { ip: (range as ipaddr.IPv6).toIPv4Address(), bits: bits - 96 } : { ip: range, bits };
    }
  } catch {
    parsed = null;
  }
  if (parsedRanges.size >= PARSED_CACHE_MAX) parsedRanges.clear();
  parsedRanges.set(key, parsed);
  return parsed;
}

function matches(e: ListEntry, addresses: readonly string[], domains: readonly string[], ip: Address | null): boolean {
  const v = e.value.toLowerCase();
  switch (e.match) {
    case 'address':
      return addresses.includes(v);
    case 'domain':
      return domains.some((d) => d === v || d.endsWith(`.${v}`));
    case 'ip':
    case 'cidr': {
      const range = ip ? parseRange(e.match, v) : null;
      if (!ip || !range || range.ip.kind() !== ip.kind()) return false;
      return range.bits === null ? range.ip.toString() === ip.toString() : ip.match([range.ip, range.bits] as [typeof ip, number]);
    }
  }
}
