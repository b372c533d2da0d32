import { ACTIONS, aupRuleSpecSchema, SYMBOL_GROUPS } from '@spamfilter/domain';
import { z } from 'zod';
import { listEntryViewSchema } from '../control/control.dto';

/*
 * Response shapes of the operator routes, as zod schemas: the services' view types are inferred from them where they
 * are built here, and the OpenAPI document is generated from them (openapi/zod-openapi.ts).
 */

const isoTime = z.iso.datetime({ offset: true });

export const scoredSymbolSchema = z.object({
  name: z.string(),
  group: z.enum(SYMBOL_GROUPS),
  description: z.string(),
  weight: z.number(),
  score: z.number(),
  options: z.array(z.string()),
});
const smtpReplySchema = z.object({ code: z.number().int(), enhanced: z.string(), message: z.string() });

export const storedAupRuleSchema = aupRuleSpecSchema.extend({
  id: z.guid(),
  version: z.number().int().describe('send it back with PUT (optimistic concurrency)'),
  createdBy: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export const aupRuleUpdateSchema = aupRuleSpecSchema.extend({
  version: z.number().int().min(1).describe('the version you read'),
});
export const aupPreviewSchema = z.object({
  examined: z.number().int(),
  matched: z.number().int(),
  undecidable: z
    .number()
    .int()
    .describe('messages the rule could not be decided on from the log (it needs the body)'),
  sample: z.array(z.string()).describe('references of matched messages'),
  since: isoTime,
  capped: z.boolean(),
});

const standingSchema = z.object({
  score: z.number().describe('100 is spotless, 0 as bad as it gets'),
  level: z.string(),
  penalty: z.number(),
  spamVerdicts: z.number().int(),
  complaints: z.number().int(),
});
export const accountViewSchema = z.object({
  address: z.string(),
  tenantId: z.string(),
  status: z.enum(['active', 'blocked']),
  blockedAt: isoTime.nullable(),
  blockedReason: z.string().nullable(),
  standing: z.record(z.string(), z.unknown()).nullable(),
  updatedAt: isoTime,
});
export const outboundAuditViewSchema = z.object({
  id: z.number().int(),
  account: z.string(),
  action: z.enum(['block', 'unblock', 'auto_block', 'note']),
  actor: z.string(),
  reason: z.string().nullable(),
  at: isoTime,
});
export const accountDetailSchema = z.object({
  account: accountViewSchema.nullable(),
  standing: standingSchema,
  audit: z.array(outboundAuditViewSchema),
});
export const accountChangeSchema = z.object({ account: accountViewSchema, audit: outboundAuditViewSchema });
export const complaintsOfSchema = z.array(
  z.object({
    id: z.number().int(),
    reference: z.string().nullable(),
    feedbackType: z.string(),
    receivedAt: isoTime,
  }),
);
export const complaintResultSchema = z.object({
  id: z.number().int(),
  feedbackType: z.string(),
  reference: z.string().nullable(),
  account: z.string().nullable().describe('the sending account it was attributed to'),
  counted: z.boolean(),
  standing: standingSchema.nullable(),
  defects: z.array(z.string()),
});

export const transcriptSchema = z.object({
  reference: z.string(),
  createdAt: isoTime,
  direction: z.enum(['inbound', 'outbound']),
  clientIp: z.string(),
  helo: z.string(),
  mailFrom: z.string(),
  authUser: z.string().nullable(),
  headerFrom: z.string().nullable(),
  subject: z.string().nullable(),
  size: z.number().int(),
  action: z.enum(ACTIONS),
  score: z.number(),
  smtpReply: smtpReplySchema,
  symbols: z.array(scoredSymbolSchema),
  headers: z.array(z.tuple([z.string(), z.string()])),
  elapsedMs: z.number(),
  recipients: z.array(
    z.object({
      recipient: z.string(),
      action: z.enum(ACTIONS),
      score: z.number(),
      reason: z.string(),
      symbols: z.array(scoredSymbolSchema),
    }),
  ),
});
export const messagePageSchema = z.object({ items: z.array(transcriptSchema), hasMore: z.boolean() });

export const delistRequestViewSchema = z.object({
  id: z.guid(),
  reference: z.string(),
  requesterEmail: z.string(),
  message: z.string(),
  status: z.enum(['pending', 'approved', 'rejected']),
  createdAt: isoTime,
  reviewedBy: z.string().nullable(),
  reviewedAt: isoTime.nullable(),
  decisionNote: z.string().nullable(),
  allowEntryId: z.string().nullable(),
});
export const delistApprovalSchema = z.object({
  request: delistRequestViewSchema,
  allowEntry: listEntryViewSchema
    .pick({
      id: true,
      scope: true,
      domain: true,
      kind: true,
      matchType: true,
      value: true,
      direction: true,
      reason: true,
      createdBy: true,
      createdAt: true,
      expiresAt: true,
      requires: true,
    })
    .extend({ user: z.string().nullable() })
    .nullable()
    .describe('inbound refusal: the allow entry added'),
  outboundAccount: z
    .object({ address: z.string(), review: z.string() })
    .nullable()
    .describe('outbound refusal: the account whose audit trail got the note'),
});

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.enum(['up', 'down']),
  outboxBacklog: z.number().int().nullable().describe('marks not yet on the bus'),
});
