import { z } from 'zod';

export const listQuarantineSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.string().max(200).optional().describe('Cursor from the previous page'),
    direction: z.enum(['inbound', 'outbound']).optional(),
    status: z.enum(['kept', 'released', 'all']).default('kept'),
    sender: z
      .string()
      .trim()
      .toLowerCase()
      .min(1)
      .max(320)
      .optional()
      .describe('Only mail with this envelope sender (e.g. the held mail of one outbound account)'),
    user: z
      .string()
      .trim()
      .toLowerCase()
      .optional()
      .describe("Domain admins and operators: one user's quarantine (address)"),
  })
  .strict();
export type ListQuarantine = z.infer<typeof listQuarantineSchema>;

export const releaseSchema = z
  .object({
    trainHam: z
      .boolean()
      .default(false)
      .describe(
        'Also mark the message "not spam" for the recipient (published like POST /v1/marks); inbound only',
      ),
  })
  .strict();
export type ReleaseRequest = z.infer<typeof releaseSchema>;

export const quarantineItemSchema = z.object({
  id: z.string(),
  reference: z.string().describe('Reference of the scan that kept it (X-Spam-Reference, the message log)'),
  direction: z.enum(['inbound', 'outbound']),
  recipient: z
    .string()
    .describe('The recipient whose copy this is (held outbound mail: its first recipient)'),
  recipients: z.array(z.string()).describe('Whom a release delivers to'),
  mailFrom: z.string().describe('Envelope sender'),
  from: z.string().nullable(),
  subject: z.string().nullable(),
  size: z.number().int(),
  reason: z.string().describe('Why it was kept'),
  createdAt: z.string(),
  expiresAt: z.string().describe('Deleted by retention after this (QUARANTINE_RETENTION_DAYS)'),
  releasedAt: z.string().nullable(),
  releasedBy: z.string().nullable(),
});
export type QuarantineItemDto = z.infer<typeof quarantineItemSchema>;

export const quarantinePageSchema = z.object({
  items: z.array(quarantineItemSchema),
  next: z.string().nullable().describe('Pass as ?before= for the next page'),
});
export type QuarantinePageDto = z.infer<typeof quarantinePageSchema>;

export const quarantineMessageSchema = quarantineItemSchema.extend({
  headers: z.array(z.tuple([z.string(), z.string()])).describe('Header fields as [name, value], decoded'),
  text: z
    .string()
    .describe('The text of the message (the plain-text part, or the HTML reduced to text); never HTML'),
  textTruncated: z.boolean(),
  hasHtml: z.boolean().describe('The message has an HTML part (shown as text only)'),
  attachments: z.array(z.object({ filename: z.string(), contentType: z.string(), size: z.number().int() })),
});
export type QuarantineMessageDto = z.infer<typeof quarantineMessageSchema>;

export const releaseResultSchema = z.object({
  id: z.string(),
  reference: z.string(),
  recipients: z.array(z.string()),
  smtp: z.string().describe("Haraka's answer to the released message"),
  markId: z.string().nullable().describe('The "not spam" mark, when asked for'),
});
export type ReleaseResultDto = z.infer<typeof releaseResultSchema>;

export const digestRunSchema = z.object({
  sent: z.number().int(),
  skipped: z.number().int().describe('Users who had a digest within the last 20 hours'),
  failed: z.number().int(),
});
/** The digest run takes no parameters: an empty object. */
export const digestRunRequestSchema = z.object({}).strict();
