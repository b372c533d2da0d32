import {
  formatReferenceId,
  type Action,
  type Direction,
  type ScoredSymbol,
  type SmtpReply,
} from '@spamfilter/domain';
import { ScanRecipientEntity, ScanRecordEntity, UserAccountEntity } from '@spamfilter/persistence';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';

let seq = 0;

export const sym = (
  name: string,
  group: ScoredSymbol['group'],
  score: number,
  options: string[] = [],
): ScoredSymbol => ({
  name,
  group,
  description: name,
  weight: score,
  score,
  options,
});

/** A message-log row as the filter writes it, with full control over what operators and the public page see. */
export async function seedLogged(
  db: DataSource,
  o: {
    direction?: Direction;
    authUser?: string | null;
    mailFrom: string;
    recipients: readonly string[];
    subject?: string;
    action: Action;
    score?: number;
    symbols?: ScoredSymbol[];
    clientIp?: string;
    createdAt?: Date;
    smtpReply?: SmtpReply;
  },
): Promise<string> {
  const createdAt = o.createdAt ?? new Date(Date.now() - 1000 + seq++);
  const reference = formatReferenceId(createdAt.getTime(), randomBytes(10));
  await db.getRepository(ScanRecordEntity).insert({
    reference,
    createdAt,
    direction: o.direction ?? 'outbound',
    clientIp: o.clientIp ?? '198.51.100.7',
    helo: 'client.customer.example',
    mailFrom: o.mailFrom,
    authUser: o.authUser ?? null,
    queueId: null,
    headerFrom: o.mailFrom,
    subject: o.subject ?? 'hello',
    messageFingerprint: randomBytes(32).toString('hex'),
    size: 2048,
    action: o.action,
    score: o.score ?? 0,
    symbols: o.symbols ?? [],
    smtpReply: o.smtpReply ?? { code: 250, enhanced: '2.0.0', message: `OK (ref ${reference})` },
    headers: [['X-Spam-Reference', reference]],
    training: null,
    elapsedMs: 4,
  });
  for (const recipient of o.recipients) {
    const user = await db.getRepository(UserAccountEntity).findOneBy({ address: recipient });
    await db.getRepository(ScanRecipientEntity).insert({
      reference,
      recipient,
      userId: user?.id ?? null,
      domainId: user?.domainId ?? null,
      action: o.action,
      score: o.score ?? 0,
      symbols: [],
      reason: `${o.action}: score ${o.score ?? 0}`,
      createdAt,
    });
  }
  return reference;
}

/** An ARF report (RFC 5965 layout) about an original message that carried `reference`. */
export function arfReport(
  reference: string | null,
  feedbackType = 'abuse',
  rcptTo = 'victim@mailbox.example',
): string {
  return [
    'From: <fbl@mailbox.example>',
    'To: <abuse@provider.example>',
    'Subject: FW: complaint',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain',
    '',
    'A user of ours called this spam.',
    '--b1',
    'Content-Type: message/feedback-report',
    '',
    `Feedback-Type: ${feedbackType}`,
    'User-Agent: ExampleFBL/1.0',
    'Version: 1',
    `Original-Rcpt-To: <${rcptTo}>`,
    '--b1',
    'Content-Type: text/rfc822-headers',
    '',
    'From: <someone@customer.example>',
    'Subject: you won',
    ...(reference ? [`X-Spam-Reference: ${reference}`] : []),
    '',
    '--b1--',
    '',
  ].join('\r\n');
}
