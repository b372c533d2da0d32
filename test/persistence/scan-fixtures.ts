import { randomBytes } from 'node:crypto';
import { formatReferenceId, type Action } from '@spamfilter/domain';
import type { NewScanRecipient, NewScanRecord } from '@spamfilter/persistence';

export function referenceAt(at: Date): string {
  return formatReferenceId(at.getTime(), randomBytes(10));
}

export function recipientVerdict(
  recipient: string,
  owner: { userId?: string | null; domainId?: string | null },
  action: Action = 'accept',
  score = 1.5,
): NewScanRecipient {
  return {
    recipient,
    userId: owner.userId ?? null,
    domainId: owner.domainId ?? null,
    action,
    score,
    disposition: action === 'tag' ? 'tagged' : action === 'reject' ? 'refused' : 'delivered',
    symbols: [
      {
        name: 'BAYES_USER',
        group: 'bayes',
        description: 'per-user Bayes',
        weight: 3,
        score: score / 2,
        options: ['0.91'],
      },
    ],
    reason: `${action} at ${score}`,
  };
}

export function scanRecord(
  over: Partial<NewScanRecord> & { createdAt: Date; recipients: NewScanRecipient[] },
): NewScanRecord {
  return {
    reference: referenceAt(over.createdAt),
    direction: 'inbound',
    clientIp: '192.0.2.10',
    helo: 'mail.example.net',
    mailFrom: 'sender@example.net',
    authUser: null,
    queueId: 'Q1',
    headerFrom: 'Sender <sender@example.net>',
    subject: 'Quarterly report ☃',
    messageFingerprint: randomBytes(16).toString('hex'),
    size: 2048,
    action: 'accept',
    score: 1.5,
    symbols: [
      { name: 'SPF_PASS', group: 'auth', description: 'SPF pass', weight: -0.5, score: -0.5, options: [] },
    ],
    smtpReply: { code: 250, enhanced: '2.0.0', message: 'OK' },
    headers: [['X-Spam-Score', '1.5']],
    training: { tokens: ['quarterly', 'report', 'h:from:example.net'] },
    elapsedMs: 12,
    ...over,
  };
}
