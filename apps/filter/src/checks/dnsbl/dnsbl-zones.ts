import { SYMBOL_NAME_PATTERN } from '@spamfilter/domain';

export interface DnsblZone {
  readonly zone: string;
  readonly symbol: string;
  /** The symbol's default weight: positive for block lists, negative for allow lists (DNSWL). */
  readonly weight: number;
}

/** Parses DNSBL_ZONES entries "zone=SYMBOL:weight"; throws one message naming every bad entry. */
export function parseDnsblZones(entries: readonly string[]): DnsblZone[] {
  const out: DnsblZone[] = [];
  const bad: string[] = [];
  for (const entry of entries) {
    const m = /^([a-z0-9.-]+\.[a-z0-9-]+)=([A-Z][A-Z0-9_]*):(-?\d+(?:\.\d+)?)$/i.exec(entry.trim());
    if (!m || !SYMBOL_NAME_PATTERN.test(m[2])) {
      bad.push(JSON.stringify(entry));
      continue;
    }
    out.push({ zone: m[1].toLowerCase().replace(/\.$/, ''), symbol: m[2], weight: Number(m[3]) });
  }
  if (bad.length > 0) throw new Error(`DNSBL_ZONES: expected zone=SYMBOL:weight, got ${bad.join(', ')}`);
  return out;
}
