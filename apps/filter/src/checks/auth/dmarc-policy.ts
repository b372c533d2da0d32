import { createHash } from 'node:crypto';
import PostalMime from 'postal-mime';

/**
 * The parts of DMARC (RFC 7489) that mailauth 7.1 leaves to the receiver, as pure functions. mailauth follows
 * DMARCbis (RFC 9989) and evaluates one Author Domain: it applies p/sp/np, t=y and strict alignment (adkim=s,
 * aspf=s), but ignores pct= (gone from DMARCbis) and gives no result at all for a From with several domains.
 */
export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

/** mailauth's result for one Author Domain, reduced to what the verdict needs. */
export interface DomainDmarc {
  readonly domain: string;
  readonly result: 'pass' | 'fail' | 'none' | 'temperror' | 'permerror';
  /** The policy mailauth selected (p, sp or np; one level lower with t=y); null when there is no record. */
  readonly policy: DmarcPolicy | null;
  /** pct= as published (RFC 7489 §6.3), 100 when absent or invalid. */
  readonly pct: number;
}

/** What the check reports: the one result that decides, with the facts the explanation shows. */
export type DmarcDecision =
  | {
      readonly kind: 'fail';
      readonly domain: string;
      readonly published: DmarcPolicy;
      readonly applied: DmarcPolicy;
      readonly pct: number;
      readonly authorDomains: number;
    }
  | { readonly kind: 'pass'; readonly domain: string; readonly published: DmarcPolicy }
  | { readonly kind: 'temperror'; readonly domain: string }
  | { readonly kind: 'none'; readonly domain: string | null };

/** At most this many Author Domains are evaluated (each costs DNS queries); the rest are ignored. */
export const MAX_AUTHOR_DOMAINS = 5;

const STRENGTH: Readonly<Record<DmarcPolicy, number>> = { none: 0, quarantine: 1, reject: 2 };
const NEXT_LOWER: Readonly<Record<DmarcPolicy, DmarcPolicy>> = {
  reject: 'quarantine',
  quarantine: 'none',
  none: 'none',
};

/**
 * Every Author Domain of the message: the domains of every address in every From field (RFC 7489 §6.6.1 — several
 * addresses, and a message with several From fields, which RFC 5322 §3.6 forbids, are both evaluated domain by
 * domain). Lower-cased, without a trailing dot, in order of appearance, unique.
 */
export function authorDomains(
  headers: readonly { readonly name: string; readonly value: string }[],
): string[] {
  const out: string[] = [];
  for (const h of headers) {
    if (h.name !== 'from') continue;
    let parsed: { address?: string }[];
    try {
      parsed = PostalMime.addressParser(h.value, { flatten: true });
    } catch {
      continue;
    }
    for (const a of parsed) {
      const address = (a.address ?? '').trim();
      const at = address.lastIndexOf('@');
      const domain =
        at < 0
          ? ''
          : address
              .slice(at + 1)
              .toLowerCase()
              .replace(/\.$/, '');
      if (
        /^[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9])?$/.test(domain) &&
        domain.includes('.') &&
        !out.includes(domain)
      )
        out.push(domain);
    }
  }
  return out;
}

/** pct= of a DMARC record (RFC 7489 §6.3): an integer 0–100; absent or malformed means 100 (§6.3 defaults). */
export function dmarcPct(record: string | undefined): number {
  const m = /(?:^|;)\s*pct\s*=\s*(\d{1,3})\s*(?:;|$)/i.exec(record ?? '');
  if (!m) return 100;
  const n = Number(m[1]);
  return n <= 100 ? n : 100;
}

/**
 * Where this message falls in pct= sampling, 0–99. Derived from the message's own identity (Message-ID, From,
 * Date, Subject) rather than chance, so a sender's retry after greylisting gets the same verdict as the first try.
 */
export function dmarcSample(
  message: {
    readonly messageId: string | null;
    readonly subject: string | null;
    readonly date: string | null;
  },
  from: string,
): number {
  const h = createHash('sha256')
    .update(`${message.messageId ?? ''}\n${from}\n${message.date ?? ''}\n${message.subject ?? ''}`)
    .digest();
  return h.readUInt32BE(0) % 100;
}

/**
 * The policy to enact for a failure: the selected policy for the pct% of messages the sample picks, the next
 * policy down for the others (RFC 7489 §6.6.4: pct=0 always means the next one down).
 */
export function enactedPolicy(policy: DmarcPolicy, pct: number, sample: number): DmarcPolicy {
  return sample < pct ? policy : NEXT_LOWER[policy];
}

/**
 * One decision for the message. Any failing Author Domain decides, with the strictest policy among the failures
 * (RFC 7489 §6.6.1); else a temperror; else a pass; else none.
 */
export function decideDmarc(results: readonly DomainDmarc[], sample: number): DmarcDecision {
  let worst: Extract<DmarcDecision, { kind: 'fail' }> | null = null;
  for (const r of results) {
    if (r.result !== 'fail' || r.policy === null) continue;
    const applied = enactedPolicy(r.policy, r.pct, sample);
    if (!worst || STRENGTH[applied] > STRENGTH[worst.applied]) {
      worst = {
        kind: 'fail',
        domain: r.domain,
        published: r.policy,
        applied,
        pct: r.pct,
        authorDomains: results.length,
      };
    }
  }
  if (worst) return worst;
  const temp = results.find((r) => r.result === 'temperror');
  if (temp) return { kind: 'temperror', domain: temp.domain };
  const pass = results.find((r) => r.result === 'pass');
  if (pass) return { kind: 'pass', domain: pass.domain, published: pass.policy ?? 'none' };
  return { kind: 'none', domain: results[0]?.domain ?? null };
}

export function asPolicy(value: unknown): DmarcPolicy | null {
  return value === 'none' || value === 'quarantine' || value === 'reject' ? value : null;
}
