import { createHash } from 'node:crypto';
import type { FeedbackReport } from './arf-parser';

/**
 * What makes two ARF reports the same complaint: the reported message, its feedback type and the source that
 * reported it. A feedback loop that resends a report, or an operator who posts it twice, must not count twice
 * against the sending account.
 *
 * - The reported message is our reference (X-Spam-Reference on the original), else its Message-ID, else — a report
 *   with neither — the report's own bytes (only an identical resend is recognised). The recipient's copy is part of
 *   it when the loop names it (Original-Rcpt-To, RFC 5965 §3.2): two recipients complaining about one message are
 *   two complaints; loops that redact the recipient collapse them into one, the safe side for the sender.
 * - The source is the loop's Reporting-MTA, else its User-Agent (RFC 5965 §3.1 requires the latter); reports of one
 *   message from two different loops count once each.
 * Hashed (SHA-256, hex) so the key is fixed-length whatever the headers hold.
 */
export function complaintKey(report: FeedbackReport, raw: Buffer): string {
  const message = report.reference
    ? `ref:${report.reference}`
    : report.originalMessageId
      ? `mid:${report.originalMessageId.trim().replace(/^<|>$/g, '').toLowerCase()}`
      : `report:${createHash('sha256').update(raw).digest('hex')}`;
  const recipients = [...new Set(report.originalRcptTo.map((r) => r.toLowerCase()))].sort().join(',');
  const source = (report.reportingMta ?? report.userAgent ?? '').trim().toLowerCase();
  return createHash('sha256')
    .update([message, recipients, report.feedbackType.toLowerCase(), source].join('\n'))
    .digest('hex');
}
