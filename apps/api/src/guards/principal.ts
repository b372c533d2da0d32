/** Who is calling, as established by the API key guard from the key's row. */
export const API_ROLES = ['user', 'domain_admin', 'operator', 'mailbox_service'] as const;
export type ApiRole = (typeof API_ROLES)[number];
/** Roles of keys issued to a user (POST /v1/users/:id/keys); mailbox service keys own no mailbox. */
export const USER_KEY_ROLES = ['user', 'domain_admin', 'operator'] as const;

export interface Principal {
  readonly keyId: string;
  readonly keyPrefix: string;
  readonly role: ApiRole;
  /** The mailbox the key belongs to; null for keys of operators that own no mailbox. */
  readonly userId: string | null;
  readonly tenantId: string;
  /** The user's mail address, lower-case; null without a mailbox. */
  readonly address: string | null;
  /**
   * The domain (lower-case name) a domain admin administers or a mailbox service key marks for; the address's domain
   * for users; null otherwise (for a mailbox service key: every domain of its tenant).
   */
  readonly domain: string | null;
}

/** The mailbox owner of something a caller wants to see or train. */
export interface MailboxOwner {
  readonly userId: string;
  readonly tenantId: string;
  readonly address: string;
}

/** The owner of a user account row (id, tenant, address). */
export function mailboxOwnerOf(user: {
  readonly id: string;
  readonly tenantId: string;
  readonly address: string;
}): MailboxOwner {
  return { userId: user.id, tenantId: user.tenantId, address: user.address };
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

/**
 * Tenancy rule of the whole API: a user acts only on their own mail, a domain admin on mail of users in their
 * domain (and tenant), an operator on everything. A mailbox service key (a mail store's Junk hook) acts for the users
 * of its domain, or of its whole tenant when it names none; the guard keeps it off every route but marking.
 */
export function mayActFor(principal: Principal, owner: MailboxOwner): boolean {
  switch (principal.role) {
    case 'operator':
      return true;
    case 'domain_admin':
      return (
        principal.domain !== null &&
        owner.tenantId === principal.tenantId &&
        domainOf(owner.address) === principal.domain
      );
    case 'user':
      return principal.userId !== null && owner.userId === principal.userId;
    case 'mailbox_service':
      return (
        owner.tenantId === principal.tenantId &&
        (principal.domain === null || domainOf(owner.address) === principal.domain)
      );
  }
}
