/**
 * The RFC 7208 SPF test suite (openspf.org release 2014.04, from pyspf 2.0.14's sdist: test/rfc7208-tests.yml, its
 * licence in test/rfc7208-tests.LICENSE), read the way its reference driver (pyspf's test/testspf.py) reads it.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ZoneRecords, ZoneTable } from './zone-dns-server';

type Rr = 'TIMEOUT' | Readonly<Record<string, unknown>>;
export interface SpfTest {
  readonly helo: string;
  readonly host: string;
  readonly mailfrom: string;
  readonly result: string | readonly string[];
  readonly spec?: string;
}
export interface Scenario {
  readonly description: string;
  readonly tests: Readonly<Record<string, SpfTest>>;
  readonly zonedata?: Readonly<Record<string, readonly Rr[]>>;
}

const TYPES = ['A', 'AAAA', 'TXT', 'PTR', 'CNAME', 'MX'] as const;
type RrType = (typeof TYPES)[number];

/**
 * The suite's zone data as the reference driver (pyspf's testspf.py) reads it: SPF (type 99) records are copied to
 * TXT for a name that has no TXT record of its own (RFC 7208 removed type SPF; "TXT: NONE" stops the copy), and a
 * TIMEOUT entry makes every question about the name time out except for the types listed before it (the copies come
 * after it). Names under error. time out too.
 */
export function zoneOf(zonedata: Scenario['zonedata']): ZoneTable {
  const zone: Record<string, ZoneRecords> = {};
  for (const [name, rrs] of Object.entries(zonedata ?? {})) {
    const r: {
      A: string[];
      AAAA: string[];
      TXT: (string | string[])[];
      PTR: string[];
      MX: { exchange: string; priority: number }[];
      CNAME?: string;
    } = {
      A: [],
      AAAA: [],
      TXT: [],
      PTR: [],
      MX: [],
    };
    const spf: (string | string[])[] = [];
    const answered = new Set<RrType>();
    const dropped = new Set<RrType>();
    let sawTxt = false;
    let timeout = false;
    for (const rr of rrs) {
      if (rr === 'TIMEOUT') {
        timeout = true;
        continue;
      }
      const [type, value] = Object.entries(rr)[0] as [string, unknown];
      if (value === 'TIMEOUT') {
        dropped.add(type as RrType);
        continue;
      }
      const yielded = !(
        value === 'NONE' ||
        (Array.isArray(value) && value.length === 1 && value[0] === 'NONE')
      );
      if (type === 'TXT') sawTxt = true;
      if (!yielded) continue;
      if (!timeout && (TYPES as readonly string[]).includes(type)) answered.add(type as RrType);
      switch (type) {
        case 'SPF':
          spf.push(value as string | string[]);
          break;
        case 'TXT':
          r.TXT.push(Array.isArray(value) ? (value as string[]).map(String) : String(value));
          break;
        case 'A':
        case 'AAAA':
        case 'PTR':
          r[type].push(...(Array.isArray(value) ? value.map(String) : [String(value)]));
          break;
        case 'MX': {
          const [priority, exchange] = value as [number, string];
          r.MX.push({ priority, exchange });
          break;
        }
        case 'CNAME':
          r.CNAME = String(value);
          break;
        default:
          throw new Error(`zone ${name}: record type ${type} not supported by the test server`);
      }
    }
    if (!sawTxt) r.TXT.push(...spf);
    const records: ZoneRecords = {
      ...r,
      ...(timeout
        ? { drop: TYPES.filter((t) => !answered.has(t)) }
        : dropped.size
          ? { drop: [...dropped] }
          : {}),
    };
    zone[name] = records;
  }
  return zone;
}

export const RFC7208_SUITE: readonly Scenario[] = parseAllDocuments(
  readFileSync(path.join(__dirname, '../rfc7208-tests.yml'), 'utf8'),
).map((d) => d.toJSON() as Scenario);
