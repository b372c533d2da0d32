import type { SenderStanding } from '@spamfilter/bayes';
import type { ScoredSymbol } from '@spamfilter/domain';
import { getDomain } from 'tldts';

/** The scan's facts the learner's "legitimate bulk mail" rule needs (apps/api agreement-rules isLegitimateBulk). */
export interface BulkSignals {
  readonly dkimAligned: boolean;
  readonly reputation: SenderStanding;
}

const BAD = new Set(['IP_REPUTATION_SPAM', 'NET_REPUTATION_SPAM', 'SENDER_DOMAIN_REPUTATION_SPAM']);
const GOOD = new Set(['SENDER_DOMAIN_REPUTATION_HAM', 'IP_REPUTATION_HAM']);

/**
 * From the verdict's symbols: whether a verified DKIM signature's domain (R_DKIM_ALLOW's options) is aligned with
 * the From domain in relaxed mode — the same organizational domain (RFC 7489 §3.1.1; public-suffix list via tldts) —
 * and the sender's standing in the filter's own reputation history (any *_REPUTATION_SPAM: bad; else a *_HAM: good).
 */
export function bulkSignals(
  symbols: readonly Pick<ScoredSymbol, 'name' | 'options'>[],
  fromAddress: string | null,
): BulkSignals {
  const fromDomain =
    fromAddress && fromAddress.includes('@')
      ? fromAddress.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase()
      : null;
  const org = (d: string): string | null => getDomain(d, { allowPrivateDomains: true }) ?? null;
  const fromOrg = fromDomain ? org(fromDomain) : null;
  const dkimAligned =
    fromOrg !== null &&
    symbols.some((s) => s.name === 'R_DKIM_ALLOW' && s.options.some((d) => org(d.toLowerCase()) === fromOrg));
  const names = new Set(symbols.map((s) => s.name));
  const reputation: SenderStanding = [...BAD].some((n) => names.has(n))
    ? 'bad'
    : [...GOOD].some((n) => names.has(n))
      ? 'good'
      : 'unknown';
  return { dkimAligned, reputation };
}
