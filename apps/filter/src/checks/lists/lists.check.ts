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
  let ip: ipaddr.IPv4 | ipaddr.IPv6 | null = null;
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

function matches(e: ListEntry, addresses: readonly string[], domains: readonly string[], ip: ipaddr.IPv4 | ipaddr.IPv6 | null): boolean {
  const v = e.value.toLowerCase();
  switch (e.match) {
    case 'address':
      return addresses.includes(v);
    case 'domain':
      return domains.some((d) => d === v || d.endsWith(`.${v}`));
    case 'ip':
      if (!ip) return false;
      try {
        return ipaddr.process(v).toString() === ip.toString();
      } catch {
        return false;
      }
    case 'cidr':
      if (!ip) return false;
      try {
        const [range, bits] = ipaddr.parseCIDR(v);
        const r = range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress() ? (range as ipaddr.IPv6).toIPv4Address() : range;
        return r.kind() === ip.kind() && ip.match([r, r.kind() === 'ipv4' && range.kind() === 'ipv6' ? bits - 96 : bits] as [typeof r, number]);
      } catch {
        return false;
      }
  }
}
