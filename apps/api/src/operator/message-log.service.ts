import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Disposition, ScoredSymbol, SmtpReply } from '@spamfilter/domain';
import { ScanRecordRepository, type ScanWithRecipients } from '@spamfilter/persistence';
import type { MessageSearchQuery } from './operator.dto';

/** The "delivery transcript" a support agent reads: who, when, from where, every symbol and score, the SMTP answer. */
export interface TranscriptView {
  readonly reference: string;
  readonly createdAt: string;
  readonly direction: string;
  readonly clientIp: string;
  readonly helo: string;
  readonly mailFrom: string;
  readonly authUser: string | null;
  readonly headerFrom: string | null;
  readonly subject: string | null;
  readonly size: number;
  readonly action: string;
  readonly score: number;
  readonly smtpReply: SmtpReply;
  readonly symbols: readonly ScoredSymbol[];
  readonly headers: readonly (readonly [string, string])[];
  readonly elapsedMs: number;
  readonly recipients: readonly {
    readonly recipient: string;
    readonly action: string;
    readonly score: number;
    readonly reason: string;
    readonly symbols: readonly ScoredSymbol[];
    /** What was done with this recipient's copy (delivered, tagged, quarantined, held, released, refused, deferred). */
    readonly disposition: Disposition | null;
  }[];
}

export function transcriptView({ record, recipients }: ScanWithRecipients): TranscriptView {
  return {
    reference: record.reference,
    createdAt: record.createdAt.toISOString(),
    direction: record.direction,
    clientIp: record.clientIp,
    helo: record.helo,
    mailFrom: record.mailFrom,
    authUser: record.authUser,
    headerFrom: record.headerFrom,
    subject: record.subject,
    size: record.size,
    action: record.action,
    score: record.score,
    smtpReply: record.smtpReply,
    symbols: record.symbols,
    headers: record.headers,
    elapsedMs: record.elapsedMs,
    recipients: recipients.map((r) => ({
      recipient: r.recipient,
      action: r.action,
      score: r.score,
      reason: r.reason,
      symbols: r.symbols,
      disposition: r.disposition,
    })),
  };
}

/** The message log for operators: search by reference, sender, recipient, client IP, time range and action. */
@Injectable()
export class MessageLogService {
  constructor(@Inject(ScanRecordRepository) private readonly scans: ScanRecordRepository) {}

  async search(q: MessageSearchQuery): Promise<{ items: TranscriptView[]; hasMore: boolean }> {
    if (q.reference) {
      const one = await this.scans.findByReference({ kind: 'operator' }, q.reference);
      return { items: one ? [transcriptView(one)] : [], hasMore: false };
    }
    const page = await this.scans.search(
      { kind: 'operator' },
      {
        ...(q.sender !== undefined ? { sender: q.sender } : {}),
        ...(q.recipient !== undefined ? { recipient: q.recipient } : {}),
        ...(q.ip !== undefined ? { clientIp: q.ip } : {}),
        ...(q.from !== undefined ? { from: new Date(q.from) } : {}),
        ...(q.to !== undefined ? { to: new Date(q.to) } : {}),
        ...(q.action !== undefined ? { action: q.action } : {}),
        ...(q.direction !== undefined ? { direction: q.direction } : {}),
      },
      { limit: q.limit, offset: q.offset },
    );
    return { items: page.items.map(transcriptView), hasMore: page.hasMore };
  }

  async transcript(reference: string): Promise<TranscriptView> {
    const one = await this.scans.findByReference({ kind: 'operator' }, reference.trim().toUpperCase());
    if (!one) throw new NotFoundException(`no message ${reference} in the log`);
    return transcriptView(one);
  }
}
