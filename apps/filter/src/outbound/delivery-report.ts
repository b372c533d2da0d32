import { REFERENCE_ID_PATTERN } from '@spamfilter/domain';
import { z } from 'zod';

const MAX_RECIPIENTS = 1000;
const identity = {
  authUser: z.string().trim().min(1).max(320).optional(),
  mailFrom: z.string().trim().max(320).default(''),
};

/** One recipient's result at the next hop, as the plugin recorded it (haraka-plugins/spamfilter/lib/deliveries.js). */
export const recipientResultSchema = z
  .object({
    recipient: z.string().trim().min(1).max(320),
    status: z.enum(['delivered', 'deferred', 'bounced', 'not_sent']),
    code: z.number().int().min(200).max(599).nullable(),
    enhanced: z
      .string()
      .regex(/^[245]\.\d{1,3}\.\d{1,3}$/)
      .nullable(),
    text: z.string().max(512),
    at: z.iso.datetime({ offset: true }),
  })
  .strict();

/** The report since per-recipient results: the message's reference, each recipient's result, RCPT refusals. */
const resultsReport = z
  .object({
    ...identity,
    reference: z.string().regex(REFERENCE_ID_PATTERN).optional(),
    queueId: z.string().max(64).optional(),
    rcptRefused: z.number().int().min(0).max(MAX_RECIPIENTS),
    recipients: z.array(recipientResultSchema).max(MAX_RECIPIENTS),
  })
  .strict();

/** The earlier report of counts only (a plugin not yet updated): still counted, nothing to store. */
const countsReport = z
  .object({
    ...identity,
    delivered: z.number().int().min(0).max(MAX_RECIPIENTS),
    failed: z.number().int().min(0).max(MAX_RECIPIENTS),
  })
  .strict();

/** One MTA report per outbound transaction: what became of its recipients. */
export const deliveryReportSchema = z
  .union([resultsReport, countsReport])
  .refine((r) => r.authUser !== undefined || r.mailFrom !== '', {
    error: 'authUser or mailFrom is required',
  });

export type DeliveryReport = z.infer<typeof deliveryReportSchema>;
export type RecipientResult = z.infer<typeof recipientResultSchema>;

/**
 * The failed-recipient ratio's input, from the same records the sender sees: recipients the next hop took are
 * delivered; recipients it refused permanently (bounced) and those our own checks refused at RCPT are failed.
 * Deferred recipients count neither way (the sender retries), nor do recipients not sent because another was refused.
 */
export function deliveryCounts(report: DeliveryReport): { delivered: number; failed: number } {
  if ('delivered' in report) return { delivered: report.delivered, failed: report.failed };
  const count = (s: RecipientResult['status']): number =>
    report.recipients.filter((r) => r.status === s).length;
  return { delivered: count('delivered'), failed: count('bounced') + report.rcptRefused };
}
