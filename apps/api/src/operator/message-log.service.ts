import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Disposition, ScoredSymbol, SmtpReply } from '@spamfilter/domain';
import {
  DeliveryResultRepository,
  ScanRecordRepository,
  type DeliveryResultEntity,
  type ScanWithRecipients,
} from '@spamfilter/persistence';
import { DataSource } from 'typeorm';
import type { MessageSearchQuery } from './operator.dto';

/**
 * The "delivery transcript" a support agent reads: who, when, from where, every symbol and score, the SMTP answer,
 * and for outbound mail what the next hop answered for each recipient.
 */
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
  /** Outbound: every answer of the next hop per recipient, oldest first, as Haraka reported it. */
  readonly deliveries: readonly {
    readonly recipient: string;
    readonly status: string;
    readonly code: number | null;
    readonly enhanced: string | null;
    readonly text: string;
    readonly at: string;
    readonly queueId: string | null;
  }[];
}

export function transcriptView(
  { record, recipients }: ScanWithRecipients,
  deliveries: readonly DeliveryResultEntity[] = [],
): TranscriptView {
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
    deliveries: deliveries.map((d) => ({
      recipient: d.recipient,
      status: d.status,
      code: d.code,
      enhanced: d.enhanced,
      text: d.text,
      at: d.at.toISOString(),
      queueId: d.queueId,
    })),
  };
}

/** The message log for operators: search by reference, sender, recipient, client IP, time range and action. */
@Injectable()
export class MessageLogService {
  constructor(
    @Inject(ScanRecordRepository) private readonly scans: ScanRecordRepository,
    @Inject(DataSource) private readonly db: DataSource,
  ) {}

  async search(q: MessageSearchQuery): Promise<{ items: TranscriptView[]; hasMore: boolean }> {
    if (q.reference) {
      const one = await this.scans.findByReference({ kind: 'operator' }, q.reference);
      return {
        items: one
          ? [
              transcriptView(
                one,
                await new DeliveryResultRepository(this.db).forReferences([one.record.reference]),
              ),
            ]
          : [],
        hasMore: false,
      };
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
    const deliveries = await new DeliveryResultRepository(this.db).forReferences(
      page.items.map((i) => i.record.reference),
    );
    return {
      items: page.items.map((i) =>
        transcriptView(
          i,
          deliveries.filter((d) => d.reference === i.record.reference),
        ),
      ),
      hasMore: page.hasMore,
    };
  }

  async transcript(reference: string): Promise<TranscriptView> {
    const one = await this.scans.findByReference({ kind: 'operator' }, reference.trim().toUpperCase());
    if (!one) throw new NotFoundException(`no message ${reference} in the log`);
    return transcriptView(
      one,
      await new DeliveryResultRepository(this.db).forReferences([one.record.reference]),
    );
  }
}
