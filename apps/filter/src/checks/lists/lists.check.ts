import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import ipaddr from 'ipaddr.js';
import type { Check, ScanContext } from '../../pipeline/check';
import { needsFor, unverifiedAllow } from './list-conditions';
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
  sym(
    'LIST_ALLOW_UNVERIFIED',
    'Allow entry for a forgeable sender, not applied: no aligned DMARC or SPF pass for it',
  ),
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
 * An allow that requires an authenticated sender is reported as LIST_ALLOW_UNVERIFIED (weight 0) with what would
 * verify it: this check runs beside the auth check and cannot see its results, so the scan resolves it afterwards
 * (list-conditions.ts) — and anything that skips that step gets no allow.
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
      mailFrom: ctx.envelope.mailFrom,
      from: ctx.message.from?.address ?? '',
      ip: ctx.envelope.clientIp,
      recipients: ctx.envelope.rcptTo,
    });
  }
}

/** What lists match against: the envelope sender and the From header address ('' when absent), the client IP. */
export interface ListFacts {
  readonly mailFrom: string;
  readonly from: string;
  readonly ip: string;
  readonly recipients: readonly string[];
}

/** A sender identity the message claims: an address, its domain, and whether it is the envelope's or the header's. */
interface Claimed {
  readonly role: 'mail_from' | 'from';
  readonly address: string;
  readonly domain: string;
}

export function matchLists(entries: readonly ListEntry[], facts: ListFacts): SymbolHit[] {
  const claimed: Claimed[] = [];
  for (const [role, raw] of [
    ['mail_from', facts.mailFrom],
    ['from', facts.from],
  ] as const) {
    const address = raw.toLowerCase();
    if (address.includes('@'))
      claimed.push({ role, address, domain: address.slice(address.lastIndexOf('@') + 1) });
  }
  let ip: Address | null = null;
  try {
    ip = ipaddr.process(facts.ip);
  } catch {
    ip = null;
  }
  const hits: SymbolHit[] = [];
  for (const e of entries) {
    const by = matchedBy(e, claimed, ip);
    if (by === null) continue;
    const option = `${e.kind}:${e.match}:${e.value}`;
    const name = SYMBOL[e.scope][e.kind];
    let recipients: readonly string[] | undefined;
    if (e.scope !== 'global') {
      const owner = (e.owner ?? '').toLowerCase();
      recipients = facts.recipients.filter((r) =>
        e.scope === 'user' ? r.toLowerCase() === owner : r.toLowerCase().endsWith(`@${owner}`),
      );
      if (recipients.length === 0) continue;
    }
    // Only a claimed sender can be forged; an IP or network entry matched the connection itself.
    const conditional = e.kind === 'allow' && e.requires === 'aligned_auth' && by.length > 0;
    const hit: SymbolHit = conditional
      ? unverifiedAllow(option, name, needsFor(by), recipients)
      : { name, options: [option], ...(recipients ? { recipients } : {}) };
    hits.push(hit);
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

/** The claimed senders an entry matched (empty for an IP or network match), or null when it does not match. */
function matchedBy(e: ListEntry, claimed: readonly Claimed[], ip: Address | null): Claimed[] | null {
  const v = e.value.toLowerCase();
  switch (e.match) {
    case 'address':
    case 'domain': {
      const by = claimed.filter((c) =>
        e.match === 'address' ? c.address === v : c.domain === v || c.domain.endsWith(`.${v}`),
      );
      return by.length > 0 ? by : null;
    }
    case 'ip':
    case 'cidr': {
      const range = ip ? parseRange(e.match, v) : null;
      if (!ip || !range || range.ip.kind() !== ip.kind()) return null;
      const hit =
        range.bits === null
          ? range.ip.toString() === ip.toString()
          : ip.match([range.ip, range.bits] as [typeof ip, number]);
      return hit ? [] : null;
    }
  }
}
