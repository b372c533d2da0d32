import type { SymbolHit } from '@spamfilter/domain';
import type { DmarcDecision } from './dmarc-policy';

/**
 * mailauth's results, reduced to what the verdict depends on, and their symbols. Pure, so every mapping below is a
 * unit test (auth-hits.spec.ts); the check (auth.check.ts) only gathers the results.
 */
export interface SpfOutcome {
  /** mailauth's SPF result (pass, fail, softfail, neutral, none, permerror, temperror, …). */
  readonly result: string;
  readonly domain: string | null;
}

export interface DkimOutcome {
  readonly result: 'pass' | 'fail' | 'permerror' | 'temperror' | 'none';
  readonly domain: string;
  /** Why it did not pass, for the explanation and Authentication-Results ("no key", "rsa-sha1", …). */
  readonly reason: string | null;
  /** Canonicalised body bytes after the signature's l= length, i.e. not covered by it (RFC 6376 §8.2). */
  readonly unsignedTail: number;
}

export interface ArcOutcome {
  readonly result: 'pass' | 'fail' | 'none' | 'temperror';
  readonly instance: number | null;
  readonly comment: string | null;
  /** Set when the newest seal is by a sealer the operator trusts and its ARC-Authentication-Results say dmarc=pass. */
  readonly trusted: { readonly sealer: string; readonly from: string | null } | null;
}

export interface AuthOutcome {
  readonly spf: SpfOutcome | null;
  readonly dkim: readonly DkimOutcome[];
  readonly dmarc: DmarcDecision;
  readonly arc: ArcOutcome;
}

/** One DKIM-Signature result of mailauth (its `dkim.results[]` rows), as far as we read it. */
export interface MailauthDkimRow {
  readonly signingDomain?: string;
  readonly rr?: string;
  readonly status: {
    readonly result: string;
    readonly comment?: string | boolean;
    readonly underSized?: number;
    readonly policy?: Readonly<Record<string, string>>;
  };
}

/**
 * A mailauth DKIM result in RFC 8601 terms. mailauth's lenient mode reports several PERMFAILs of RFC 6376 §6.1 as
 * "neutral"; they are told apart by its comment:
 * - a body hash that does not match is a failed verification (§6.1.3 step 3), so fail;
 * - rsa-sha1 comes back as "policy" (we ask for RFC 8301 §3.1, "MUST NOT be used for verifying"): a failure too;
 * - no key record (§6.1.2 step 3) and a revoked key (empty p=, §3.6.1) are permerror, not a bad signature: nothing
 *   says the message was changed, the signer's DNS is what is wrong.
 */
export function dkimOutcome(row: MailauthDkimRow): DkimOutcome {
  const domain = (row.signingDomain ?? '?').toLowerCase();
  const st = row.status;
  const comment = typeof st.comment === 'string' ? st.comment : null;
  const out = (result: DkimOutcome['result'], reason: string | null): DkimOutcome => ({
    result,
    domain,
    reason,
    unsignedTail: result === 'pass' ? (st.underSized ?? 0) : 0,
  });
  switch (st.result) {
    case 'pass':
      return out('pass', null);
    case 'fail':
      return out('fail', comment ?? 'bad signature');
    case 'policy':
      return st.policy?.['dkim-rules'] === 'weak-algorithm'
        ? out('fail', 'rsa-sha1')
        : out('permerror', st.policy?.['dkim-rules'] ?? comment ?? 'policy');
    case 'neutral':
      if (comment === 'body hash did not verify') return out('fail', 'body hash did not verify');
      if (comment === 'invalid public key' && /(?:^|;)\s*p=\s*(?:;|$)/.test(row.rr ?? ''))
        return out('permerror', 'key revoked');
      return out('permerror', comment ?? 'unusable signature');
    case 'temperror':
    case 'temperr':
      return out('temperror', comment);
    default:
      return out('none', null);
  }
}

const SPF_SYMBOLS: ReadonlyMap<string, string> = new Map([
  ['pass', 'R_SPF_ALLOW'],
  ['fail', 'R_SPF_FAIL'],
  ['softfail', 'R_SPF_SOFTFAIL'],
  ['neutral', 'R_SPF_NEUTRAL'],
  ['permerror', 'R_SPF_PERMFAIL'],
  ['temperror', 'R_SPF_TEMPFAIL'],
  ['temperr', 'R_SPF_TEMPFAIL'],
  ['none', 'R_SPF_NA'],
  ['policy', 'R_SPF_NA'],
  ['skipped', 'R_SPF_NA'],
]);

const withReason = (d: DkimOutcome): string => (d.reason ? `${d.domain} (${d.reason})` : d.domain);

export function authHits(o: AuthOutcome): SymbolHit[] {
  const hits: SymbolHit[] = [];
  const spfSymbol = SPF_SYMBOLS.get(o.spf?.result ?? 'none');
  if (spfSymbol) hits.push({ name: spfSymbol, options: o.spf?.domain ? [o.spf.domain] : [] });

  const by = (result: DkimOutcome['result']): string[] =>
    o.dkim.filter((d) => d.result === result).map(withReason);
  for (const [result, name] of [
    ['pass', 'R_DKIM_ALLOW'],
    ['fail', 'R_DKIM_REJECT'],
    ['permerror', 'R_DKIM_PERMFAIL'],
    ['temperror', 'R_DKIM_TEMPFAIL'],
  ] as const) {
    const options = by(result);
    if (options.length > 0) hits.push({ name, options });
  }
  if (o.dkim.every((d) => d.result === 'none')) hits.push({ name: 'R_DKIM_NA' });
  const tails = o.dkim
    .filter((d) => d.result === 'pass' && d.unsignedTail > 0)
    .map((d) => `${d.domain} +${d.unsignedTail} bytes`);
  if (tails.length > 0) hits.push({ name: 'DKIM_UNSIGNED_BODY_TAIL', options: tails });

  const d = o.dmarc;
  switch (d.kind) {
    case 'pass':
      hits.push({ name: 'DMARC_POLICY_ALLOW', options: [d.domain, `p=${d.published}`] });
      break;
    case 'fail': {
      const name =
        d.applied === 'reject'
          ? 'DMARC_POLICY_REJECT'
          : d.applied === 'quarantine'
            ? 'DMARC_POLICY_QUARANTINE'
            : 'DMARC_POLICY_SOFTFAIL';
      const options = [d.domain, `p=${d.published}`];
      if (d.applied !== d.published) options.push(`pct=${d.pct}: ${d.applied}`);
      if (d.authorDomains > 1) options.push(`${d.authorDomains} author domains`);
      hits.push({ name, options });
      break;
    }
    case 'temperror':
      hits.push({ name: 'DMARC_TEMPFAIL', options: [d.domain] });
      break;
    case 'none':
      hits.push({ name: 'DMARC_NA', options: d.domain ? [d.domain] : [] });
      break;
  }

  const a = o.arc;
  switch (a.result) {
    case 'pass':
      hits.push({ name: 'ARC_ALLOW', options: a.instance !== null ? [`i=${a.instance}`] : [] });
      break;
    case 'fail':
      hits.push({ name: 'ARC_REJECT', options: a.comment ? [a.comment] : [] });
      break;
    case 'temperror':
      hits.push({ name: 'ARC_TEMPFAIL' });
      break;
    case 'none':
      hits.push({ name: 'ARC_NA' });
      break;
  }
  if (a.trusted)
    hits.push({
      name: 'ARC_TRUSTED_PASS',
      options: [a.trusted.sealer, `dmarc=pass${a.trusted.from ? ` header.from=${a.trusted.from}` : ''}`],
    });
  return hits;
}
