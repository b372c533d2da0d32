import { z } from 'zod';

export const listSentSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.string().max(200).optional().describe('Cursor from the previous page'),
    user: z
      .string()
      .trim()
      .toLowerCase()
      .optional()
      .describe("Domain admins and operators: one sender's mail (address)"),
  })
  .strict();
export type ListSent = z.infer<typeof listSentSchema>;

export const deliveryAttemptSchema = z.object({
  status: z.enum(['delivered', 'deferred', 'bounced', 'not_sent']),
  code: z.number().int().nullable().describe("The next hop's reply code (null: it could not be reached)"),
  enhanced: z.string().nullable().describe('RFC 3463 enhanced status code'),
  text: z.string().describe("The next hop's reply text"),
  at: z.string().describe('When the next hop answered'),
});
export type DeliveryAttemptDto = z.infer<typeof deliveryAttemptSchema>;

export const sentRecipientSchema = z.object({
  recipient: z.string(),
  action: z.string().describe("The filter's verdict (accept, hold, reject, …)"),
  disposition: z
    .string()
    .nullable()
    .describe('What the filter did: delivered, held, released, refused, deferred'),
  status: z
    .enum(['delivered', 'deferred', 'bounced', 'not_sent', 'held', 'refused', 'pending'])
    .describe(
      "Where the message stands for this recipient: the next hop's latest answer, or the filter's decision when it never left",
    ),
  last: deliveryAttemptSchema.nullable().describe('The latest answer of the next hop'),
  attempts: z.array(deliveryAttemptSchema).describe('Every answer, oldest first'),
});

export const sentMessageSchema = z.object({
  reference: z.string(),
  createdAt: z.string(),
  mailFrom: z.string(),
  subject: z.string().nullable(),
  action: z.string().describe("The filter's verdict for the message"),
  recipients: z.array(sentRecipientSchema),
});
export type SentMessageDto = z.infer<typeof sentMessageSchema>;

export const sentPageSchema = z.object({
  items: z.array(sentMessageSchema),
  next: z.string().nullable().describe('Pass as ?before= for the next page'),
});
export type SentPageDto = z.infer<typeof sentPageSchema>;
