import type { ListEntryEntity } from '@spamfilter/persistence';

/*
 * The view of a list entry in delisting decisions. The lists themselves (every scope, operators included) are
 * served by apps/api/src/control/lists.service.ts.
 */

export interface ListEntryView {
  readonly id: string;
  readonly scope: string;
  readonly domain: string | null;
  readonly kind: string;
  readonly matchType: string;
  readonly value: string;
  readonly direction: string;
  readonly reason: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  /** 'aligned_auth': applies only to mail with an aligned DMARC or SPF pass for the matched sender. */
  readonly requires: string | null;
}

export function listEntryView(e: ListEntryEntity, domain: string | null): ListEntryView {
  return {
    id: e.id,
    scope: e.scope,
    domain,
    kind: e.kind,
    matchType: e.matchType,
    value: e.value,
    direction: e.direction,
    reason: e.reason,
    createdBy: e.createdBy,
    createdAt: e.createdAt.toISOString(),
    expiresAt: e.expiresAt?.toISOString() ?? null,
    requires: e.requires,
  };
}
