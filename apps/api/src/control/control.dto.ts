import { AUDIT_SUBJECTS } from '@spamfilter/persistence';
import { policyLayerSchema, SENSITIVITIES, type Sensitivity } from '@spamfilter/scoring';
import { z } from 'zod';
import { addressSchema, domainNameSchema, listValueProblem } from '../operator/operator.dto';
import { SCOPE_NAMES } from './scope-access';

/*
 * The control API's request and response shapes. The routes validate with these schemas (ZodPipe) and the OpenAPI
 * document is generated from the same schemas (openapi/zod-openapi.ts), so the reference cannot drift from the code.
 */

const isoTime = z.iso.datetime({ offset: true });
const sensitivity = z.enum(SENSITIVITIES as [Sensitivity, ...Sensitivity[]]);

/** Whose list or policy: omitted parts default to the caller's own (a user's mailbox, an admin's domain). */
export const scopeQuerySchema = z
  .object({
    scope: z.enum(SCOPE_NAMES).optional().describe("global, domain or user; default: the caller's own"),
    domain: domainNameSchema
      .optional()
      .describe("scope=domain: the domain (name); default: the admin's domain"),
    user: addressSchema.optional().describe('scope=user: the mailbox address; default: the caller'),
  })
  .strict();
export type ScopeQuery = z.infer<typeof scopeQuerySchema>;

export const listEntryCreateSchema = z
  .object({
    scope: z.enum(SCOPE_NAMES).optional(),
    domain: domainNameSchema.optional(),
    user: addressSchema.optional(),
    kind: z.enum(['allow', 'block']),
    matchType: z.enum(['address', 'domain', 'ip', 'cidr']),
    value: z.string().trim().toLowerCase().min(1).max(320).describe('address, domain, IP or CIDR network'),
    direction: z.enum(['inbound', 'outbound', 'both']).default('inbound'),
    reason: z.string().trim().max(500).optional(),
    expiresAt: isoTime.optional().describe('the entry stops applying then (ISO time, in the future)'),
    requires: z
      .enum(['aligned_auth'])
      .nullable()
      .optional()
      .describe(
        'aligned_auth: the allow applies only with an aligned DMARC or SPF pass for the matched sender. Default: set for allows of senders in a hosted domain (anyone can forge those); only operators may clear it there',
      ),
  })
  .strict()
  .superRefine((b, ctx) => {
    const problem = listValueProblem(b.matchType, b.value);
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
    if (b.expiresAt && Date.parse(b.expiresAt) <= Date.now())
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be in the future' });
    if (b.requires && (b.kind !== 'allow' || b.matchType === 'ip' || b.matchType === 'cidr'))
      ctx.addIssue({
        code: 'custom',
        path: ['requires'],
        message: 'only for allows of an address or a domain',
      });
  });
export type ListEntryCreate = z.infer<typeof listEntryCreateSchema>;

export const listEntryViewSchema = z.object({
  id: z.guid(),
  scope: z.enum(SCOPE_NAMES),
  domain: z.string().nullable().describe('scope=domain: its name'),
  user: z.string().nullable().describe('scope=user: the mailbox'),
  kind: z.enum(['allow', 'block']),
  matchType: z.enum(['address', 'domain', 'ip', 'cidr']),
  value: z.string(),
  direction: z.enum(['inbound', 'outbound', 'both']),
  reason: z.string().nullable(),
  createdBy: z.string(),
  createdAt: isoTime,
  expiresAt: isoTime.nullable(),
  requires: z.enum(['aligned_auth']).nullable(),
  origin: z
    .enum(['manual', 'learned'])
    .describe('learned: the learner blocked the sender after spam marks; it goes away when they are undone'),
  marks: z
    .array(z.object({ id: z.string(), reference: z.string().nullable(), createdAt: isoTime }))
    .describe(
      'origin=learned: the active spam marks behind the entry (undo them with DELETE /v1/marks/{id})',
    ),
});
export type ListEntryViewDto = z.infer<typeof listEntryViewSchema>;
export const listEntriesSchema = z.array(listEntryViewSchema);

const policyBody = {
  layer: policyLayerSchema
    .optional()
    .describe(
      'the layer to store: any subset of the policy (users: thresholds, greylisting.enabled, tagHeaders)',
    ),
  sensitivity: sensitivity.optional().describe('scope=user: a named preset instead of thresholds'),
};

export const policyPutSchema = z
  .object({
    version: z.number().int().min(0).describe('the version you read (0: the layer does not exist yet)'),
    ...policyBody,
  })
  .strict()
  .refine((b) => (b.layer === undefined) !== (b.sensitivity === undefined), {
    error: 'give either layer or sensitivity',
    path: ['layer'],
  });
export type PolicyPut = z.infer<typeof policyPutSchema>;

export const policyPreviewSchema = z
  .object({
    ...policyBody,
    days: z.number().int().min(1).max(30).default(7).describe('how many days of the message log to replay'),
  })
  .strict()
  .refine((b) => (b.layer === undefined) !== (b.sensitivity === undefined), {
    error: 'give either layer or sensitivity',
    path: ['layer'],
  });
export type PolicyPreviewBody = z.infer<typeof policyPreviewSchema>;

const range = z.object({ min: z.number(), max: z.number() });
export const effectivePolicySchema = z
  .object({
    thresholds: z.object({ greylist: z.number().nullable(), tag: z.number(), reject: z.number() }),
    weights: z.record(z.string(), z.number()),
    groupCaps: z.record(z.string(), z.object({ max: z.number().optional(), min: z.number().optional() })),
    greylisting: z.object({
      enabled: z.boolean(),
      minDelaySeconds: z.number(),
      pendingTtlSeconds: z.number(),
      passTtlSeconds: z.number(),
    }),
    tagHeaders: z.object({ subjectPrefix: z.string().nullable(), symbolsHeader: z.boolean() }),
    outbound: z.object({ hold: z.number(), reject: z.number() }),
    userBounds: z.object({ tag: range, reject: range }),
  })
  .describe('defaults ← global ← domain ← user, merged');

export const policyViewSchema = z.object({
  scope: z.enum(SCOPE_NAMES),
  domain: z.string().nullable(),
  user: z.string().nullable(),
  layer: z.record(z.string(), z.unknown()).describe('the stored layer ({} when none)'),
  version: z.number().int().describe('0 when the layer does not exist yet'),
  updatedBy: z.string().nullable(),
  updatedAt: isoTime.nullable(),
  effective: effectivePolicySchema,
  sensitivity: sensitivity
    .nullable()
    .describe('the preset the effective thresholds match, null for custom ones'),
  presets: z.record(
    z.string(),
    z.object({ greylist: z.number().nullable(), tag: z.number(), reject: z.number() }),
  ),
});
export type PolicyView = z.infer<typeof policyViewSchema>;

const actionCounts = z.record(z.string(), z.number().int()).describe('messages per action');
export const policyPreviewViewSchema = z.object({
  scope: z.enum(SCOPE_NAMES),
  since: isoTime,
  days: z.number().int(),
  messages: z.number().int().describe('recipient verdicts replayed'),
  capped: z.boolean().describe('true when more verdicts were logged than one preview replays'),
  actual: actionCounts.describe('what was decided then (the message log)'),
  current: actionCounts.describe('the current policy replayed over the same verdicts'),
  proposed: actionCounts.describe('the proposed policy replayed'),
  changed: z.number().int().describe('verdicts whose replayed action differs between current and proposed'),
  greylistBand: z
    .number()
    .int()
    .describe('proposed: scores in the greylisting band (451 first for new triplets)'),
  examples: z.array(
    z.object({
      reference: z.string(),
      recipient: z.string(),
      subject: z.string().nullable(),
      sender: z.string(),
      score: z.number(),
      action: z.string(),
      proposedScore: z.number(),
      proposedAction: z.string(),
    }),
  ),
});
export type PolicyPreviewView = z.infer<typeof policyPreviewViewSchema>;

export const tenantCreateSchema = z.object({ name: z.string().trim().min(1).max(255) }).strict();
export const tenantViewSchema = z.object({ id: z.guid(), name: z.string(), createdAt: isoTime });
export type TenantView = z.infer<typeof tenantViewSchema>;

const unknownRecipients = z
  .enum(['accept', 'reject'])
  .describe('reject: mail for an address of the domain without a user here is refused at RCPT (550 5.1.1)');
export const domainCreateSchema = z
  .object({
    name: domainNameSchema,
    tenantId: z
      .string()
      .trim()
      .check(z.guid('must be a UUID'))
      .describe('the tenant (reseller, customer) owning the domain'),
    unknownRecipients: unknownRecipients.default('accept'),
  })
  .strict();
export type DomainCreate = z.infer<typeof domainCreateSchema>;
export const domainPatchSchema = z.object({ unknownRecipients }).strict();
export const domainParam = domainNameSchema;
export const domainViewSchema = z.object({
  id: z.guid(),
  name: z.string(),
  tenantId: z.string(),
  unknownRecipients: unknownRecipients,
  users: z.number().int(),
  createdAt: isoTime,
});
export type DomainView = z.infer<typeof domainViewSchema>;
export const domainListQuerySchema = z.object({ tenantId: z.guid('must be a UUID').optional() }).strict();

export const auditSearchSchema = z
  .object({
    actor: z.string().trim().max(320).optional(),
    tenantId: z.guid('must be a UUID').optional(),
    subject: z.enum(AUDIT_SUBJECTS).optional(),
    subjectId: z.string().trim().max(320).optional(),
    action: z.string().trim().max(32).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type AuditSearchQuery = z.infer<typeof auditSearchSchema>;
export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: isoTime,
  actor: z.string(),
  actorRole: z.string(),
  tenantId: z.string().nullable(),
  subject: z.enum(AUDIT_SUBJECTS),
  subjectId: z.string(),
  action: z.string(),
  before: z.unknown().describe('the subject before the change (null when created)'),
  after: z.unknown().describe('the subject after the change (null when removed)'),
  reason: z.string().nullable(),
});
export const auditEntriesSchema = z.array(auditEntrySchema);
