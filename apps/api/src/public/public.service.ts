import {
  ConflictException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import { isReferenceId } from '@spamfilter/domain';
import { DelistRequestRepository, ScanRecordRepository } from '@spamfilter/persistence';
import { API_APP_CONFIG } from '../api-config.token';
import { OperatorNotices } from '../operator/operator-notices';
import { PublicRateLimiter } from './public-rate-limiter';
import { explainRefusal, REFUSING, type RefusalReason } from './refusal-explainer';

/** The one answer for an unknown reference, a malformed one, and a message that was not refused: nothing to tell apart. */
export const NOT_FOUND_TEXT =
  'No refused message has this reference. Check that you copied it completely from the bounce message.';

export interface PublicRefusal {
  readonly reference: string;
  /** When the message was refused, to the minute (UTC). */
  readonly refusedAt: string;
  readonly headline: string;
  readonly reasons: readonly Pick<RefusalReason, 'kind' | 'what' | 'fix'>[];
  readonly reviewable: boolean;
}

const MAX_PENDING_PER_REFERENCE = 3;

/**
 * The public "why was my mail refused?" page. It answers only for messages that were refused with a reference (the
 * bounce carried it) and shows only what the sender needs: when, why in plain words, what to fix. Never the
 * recipients, the subject, the scores or anything about other messages.
 */
@Injectable()
export class PublicRefusalService {
  private readonly limiter: PublicRateLimiter;

  constructor(
    @Inject(API_APP_CONFIG) config: AppConfig,
    @Inject(ScanRecordRepository) private readonly scans: ScanRecordRepository,
    @Inject(DelistRequestRepository) private readonly requests: DelistRequestRepository,
    @Inject(OperatorNotices) private readonly notices: OperatorNotices,
  ) {
    this.limiter = new PublicRateLimiter(config.outbound.publicLookupsPerMinute);
  }

  async lookup(referenceInput: string, client: string): Promise<PublicRefusal> {
    this.throttle(client);
    return this.find(referenceInput);
  }

  async requestReview(
    input: { reference: string; email: string; message: string },
    client: string,
    now = new Date(),
  ): Promise<{ readonly id: string; readonly status: 'pending' }> {
    this.throttle(client);
    const refusal = await this.find(input.reference);
    if (!refusal.reviewable)
      throw new ConflictException(
        'This refusal cannot be lifted by a review; follow the advice on the page.',
      );
    const pending = await this.requests.countPendingFor(
      refusal.reference,
      new Date(now.getTime() - 86_400_000),
    );
    if (pending >= MAX_PENDING_PER_REFERENCE)
      throw new ConflictException('A review of this message is already waiting for the mail team.');
    const row = await this.requests.add(
      { reference: refusal.reference, requesterEmail: input.email, message: input.message },
      now,
    );
    await this.notices.publish(
      'delist_requested',
      refusal.reference,
      { requestId: row.id, reasons: refusal.reasons.map((r) => r.kind) },
      now,
    );
    return { id: row.id, status: 'pending' };
  }

  private throttle(client: string): void {
    if (!this.limiter.allow(client))
      throw new HttpException(
        'Too many look-ups from your address; wait a minute.',
        HttpStatus.TOO_MANY_REQUESTS,
      );
  }

  private async find(referenceInput: string): Promise<PublicRefusal> {
    const reference = referenceInput.trim().toUpperCase();
    if (!isReferenceId(reference)) throw new NotFoundException(NOT_FOUND_TEXT);
    const scan = await this.scans.findByReference({ kind: 'operator' }, reference);
    if (!scan || !REFUSING.has(scan.record.action)) throw new NotFoundException(NOT_FOUND_TEXT);
    const { record, recipients } = scan;
    const at = record.mailFrom.lastIndexOf('@');
    // The refusing recipients' own symbols (their lists) explain too; shared symbols first.
    const refusedOwn = recipients.filter((r) => REFUSING.has(r.action)).flatMap((r) => r.symbols);
    const e = explainRefusal({
      action: record.action,
      symbols: [...record.symbols, ...refusedOwn],
      senderDomain: at < 0 ? '' : record.mailFrom.slice(at + 1).toLowerCase(),
      clientIp: record.clientIp,
    });
    return {
      reference,
      refusedAt: `${record.createdAt.toISOString().slice(0, 16)}Z`,
      headline: e.headline,
      reasons: e.reasons.map((r) => ({ kind: r.kind, what: r.what, fix: r.fix })),
      reviewable: e.reviewable,
    };
  }
}
