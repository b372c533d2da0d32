import { ACTIONS, isReferenceId } from '@spamfilter/domain';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const reason = z.string().trim().min(3, 'say why (at least 3 characters)').max(500);
const address = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[^\s@]+@[a-z0-9.-]+\.[a-z0-9-]+$/, 'must be a mail address');
const domainName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z0-9-]{2,63}$/, 'must be a domain name');

export const blockSchema = z.object({ reason }).strict();
export type BlockBody = z.infer<typeof blockSchema>;

export const accountListSchema = z
  .object({
    status: z.enum(['active', 'blocked']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type AccountListQuery = z.infer<typeof accountListSchema>;

export const auditQuerySchema = z
  .object({ limit: z.coerce.number().int().min(1).max(1000).default(200) })
  .strict();

export const accountParam = address;

/** A list entry value checked against its match type, so an entry that can never match is refused. */
export function listValueProblem(
  matchType: 'address' | 'domain' | 'ip' | 'cidr',
  value: string,
): string | null {
  switch (matchType) {
    case 'address':
      return address.safeParse(value).success ? null : 'must be a mail address';
    case 'domain':
      return domainName.safeParse(value).success ? null : 'must be a domain name';
    case 'ip':
      return ipaddr.isValid(value) ? null : 'must be an IPv4 or IPv6 address';
    case 'cidr':
      try {
        ipaddr.parseCIDR(value);
        return null;
      } catch {
        return 'must be a network in CIDR notation, e.g. 192.0.2.0/24';
      }
  }
}

export const listEntrySchema = z
  .object({
    scope: z.enum(['global', 'domain']),
    /** The domain (name) whose list this is; required for scope "domain". */
    domain: domainName.optional(),
    kind: z.enum(['allow', 'block']),
    matchType: z.enum(['address', 'domain', 'ip', 'cidr']),
    value: z.string().trim().toLowerCase().min(1).max(320),
    direction: z.enum(['inbound', 'outbound', 'both']).default('inbound'),
    reason: z.string().trim().max(500).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.scope === 'domain' && !b.domain)
      ctx.addIssue({ code: 'custom', path: ['domain'], message: 'is required for scope "domain"' });
    if (b.scope === 'global' && b.domain)
      ctx.addIssue({ code: 'custom', path: ['domain'], message: 'must not be given for scope "global"' });
    const problem = listValueProblem(b.matchType, b.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
    if (b.expiresAt && Date.parse(b.expiresAt) <= Date.now())
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be in the future' });
  });
export type ListEntryBody = z.infer<typeof listEntrySchema>;

export const listQuerySchema = z
  .object({ scope: z.enum(['global', 'domain']), domain: domainName.optional() })
  .strict()
  .refine((q) => q.scope === 'global' || q.domain !== undefined, {
    error: 'domain is required for scope "domain"',
    path: ['domain'],
  });
export type ListQuery = z.infer<typeof listQuerySchema>;

export const messageSearchSchema = z
  .object({
    reference: z
      .string()
      .trim()
      .toUpperCase()
      .refine((r) => isReferenceId(r), 'must be a 26-character reference ID')
      .optional(),
    sender: z.string().trim().max(320).optional(),
    recipient: z.string().trim().toLowerCase().max(320).optional(),
    ip: z
      .string()
      .trim()
      .refine((v) => ipaddr.isValid(v), 'must be an IP address')
      .optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    action: z.enum(ACTIONS).optional(),
    direction: z.enum(['inbound', 'outbound']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
  })
  .strict();
export type MessageSearchQuery = z.infer<typeof messageSearchSchema>;

export const delistListSchema = z
  .object({
    status: z.enum(['pending', 'approved', 'rejected']).default('pending'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type DelistListQuery = z.infer<typeof delistListSchema>;

/**
 * Approving a review. For an inbound refusal: an inbound allow entry for the refused recipient (`scope` "user", the
 * default) or that recipient's domain ("domain") — never global — until DELIST_ALLOW_DAYS or sooner. For an outbound
 * refusal: a note in the sending account's audit trail; the entry options are refused.
 */
export const delistApproveSchema = z
  .object({
    scope: z.enum(['user', 'domain']).optional(),
    /** Which refused recipient the entry is for; required when the message was refused for several. */
    recipient: address.optional(),
    /** What the entry allows; default: the refused message's envelope sender (its client IP for bounces). */
    matchType: z.enum(['address', 'domain', 'ip', 'cidr']).optional(),
    value: z.string().trim().toLowerCase().max(320).optional(),
    /** Shortens the entry's life below DELIST_ALLOW_DAYS (longer is refused). */
    expiresInDays: z.number().int().min(1).max(365).optional(),
    note: z.string().trim().max(500).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.matchType === undefined) !== (b.value === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'matchType and value go together' });
    }
    if (b.matchType && b.value) {
      const problem = listValueProblem(b.matchType, b.value);
      if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
    }
  });
export type DelistApproveBody = z.infer<typeof delistApproveSchema>;

export const delistRejectSchema = z.object({ note: z.string().trim().max(500).optional() }).strict();
export type DelistRejectBody = z.infer<typeof delistRejectSchema>;

export const aupUpdateSchema = z.looseObject({ version: z.number().int().min(1) });

/** GET /v1/operator/auth-lockouts: at most this many counter-store keys are read. */
export const authLockoutListSchema = z
  .object({ limit: z.coerce.number().int().min(1).max(5000).default(500) })
  .strict();
export type AuthLockoutListQuery = z.infer<typeof authLockoutListSchema>;

/** POST /v1/operator/auth-lockouts/clear: one IP (IPv6: any address of the /64, or the /64) or one account. */
export const authLockoutClearSchema = z
  .object({
    ip: z.string().trim().max(100).optional(),
    account: z.string().max(4096).optional(),
    reason,
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.ip === undefined) === (b.account === undefined))
      ctx.addIssue({ code: 'custom', path: ['ip'], message: 'give either ip or account' });
  });
export type AuthLockoutClearBody = z.infer<typeof authLockoutClearSchema>;
/** Shared with the control API's schemas (apps/api/src/control). */
export { address as addressSchema, domainName as domainNameSchema, reason as reasonSchema };

/** What GET /v1/operator/auth-lockouts answers (libs/counters AuthGuardListing), for the OpenAPI reference. */
const lockoutTimes = {
  since: z.number().int().describe('ms since the epoch'),
  until: z.number().int().describe('ms since the epoch'),
  failures: z.number().int(),
};
export const authLockoutListingSchema = z.object({
  limits: z.object({
    clientMaxFailures: z.number().int(),
    accountMaxFailures: z.number().int(),
    windowMs: z.number().int(),
    coolOffMs: z.number().int(),
  }),
  lockouts: z.array(
    z.union([
      z.object({ reason: z.literal('ip'), ip: z.string(), ...lockoutTimes }),
      z.object({
        reason: z.literal('account'),
        account: z.string(),
        refusedIps: z.array(z.string()),
        ...lockoutTimes,
      }),
    ]),
  ),
  failures: z.object({
    ips: z.array(z.object({ ip: z.string(), failures: z.number().int() })),
    accounts: z.array(z.object({ account: z.string(), failures: z.number().int() })),
  }),
  truncated: z.boolean().describe('more counter keys than the limit: the rest is left out'),
});
export const authLockoutClearedSchema = z.object({
  lockout: z.boolean().describe('whether a lockout was running (and is now gone)'),
  keysRemoved: z.number().int(),
});
