import type { SymbolHit } from '@spamfilter/domain';

/**
 * Allow entries that require an authenticated sender (list_entry.requires = 'aligned_auth': allows for senders in a
 * domain we host, which anyone can write into MAIL FROM or From).
 *
 * The lists check runs concurrently with the auth check and cannot see its results, so it reports such an entry as
 * LIST_ALLOW_UNVERIFIED (weight 0) carrying the allow symbol it would be and what would verify it; once every check
 * has reported, the scan calls `applyListConditions`, which turns it into that allow symbol when the auth check's
 * hits verify the sender the entry matched:
 * - the From header matched → DMARC pass for that domain (RFC 7489 §3.1: SPF or DKIM aligned with the From domain;
 *   the auth check's DMARC_POLICY_ALLOW carries the organizational domain, §3.2);
 * - MAIL FROM matched → SPF pass for the MAIL FROM domain (RFC 7208 §2.4; R_SPF_ALLOW carries the domain checked).
 * Fails closed: an auth check that timed out, or a path that never calls this (the pre-DATA recipient check), leaves
 * the entry unapplied and visible.
 */
export const UNVERIFIED_ALLOW = 'LIST_ALLOW_UNVERIFIED';

/** What verifies a claimed sender: `dmarc:<From domain>` or `spf:<MAIL FROM domain>`. */
export type Need = `dmarc:${string}` | `spf:${string}`;

const ALLOW_SYMBOLS: ReadonlySet<string> = new Set(['USER_ALLOW', 'DOMAIN_ALLOW', 'GLOBAL_ALLOW']);

export function needsFor(
  claimed: readonly { readonly role: 'mail_from' | 'from'; readonly domain: string }[],
): Need[] {
  return claimed.map((c): Need => (c.role === 'from' ? `dmarc:${c.domain}` : `spf:${c.domain}`));
}

/** options: [the entry ("allow:address:…"), the allow symbol it would be, …what would verify it]. */
export function unverifiedAllow(
  entry: string,
  symbol: string,
  needs: readonly Need[],
  recipients?: readonly string[],
): SymbolHit {
  return {
    name: UNVERIFIED_ALLOW,
    options: [entry, symbol, ...needs],
    ...(recipients ? { recipients } : {}),
  };
}

/** The hits with every verified LIST_ALLOW_UNVERIFIED turned into its allow symbol, options [entry, what verified it]. */
export function applyListConditions(hits: readonly SymbolHit[]): readonly SymbolHit[] {
  if (!hits.some((h) => h.name === UNVERIFIED_ALLOW)) return hits;
  const dmarc = hits
    .filter((h) => h.name === 'DMARC_POLICY_ALLOW')
    .map((h) => (h.options?.[0] ?? '').toLowerCase())
    .filter((d) => d !== '');
  const spf = new Set(
    hits.filter((h) => h.name === 'R_SPF_ALLOW').map((h) => (h.options?.[0] ?? '').toLowerCase()),
  );
  const verified = (need: string): boolean => {
    const colon = need.indexOf(':');
    const kind = need.slice(0, colon);
    const domain = need.slice(colon + 1);
    if (domain === '') return false;
    if (kind === 'spf') return spf.has(domain);
    if (kind === 'dmarc') return dmarc.some((d) => domain === d || domain.endsWith(`.${d}`));
    return false;
  };
  return hits.map((h) => {
    if (h.name !== UNVERIFIED_ALLOW) return h;
    const [entry, symbol, ...needs] = h.options ?? [];
    if (!entry || !symbol || !ALLOW_SYMBOLS.has(symbol)) return h;
    const by = needs.find(verified);
    if (!by) return h;
    return { name: symbol, options: [entry, by], ...(h.recipients ? { recipients: h.recipients } : {}) };
  });
}
