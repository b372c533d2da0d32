import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EventBus } from '@spamfilter/messaging';

/**
 * Tells operators about what the API saw (topic spamfilter.operator.v1): delisting requests waiting for review and
 * manual blocks/unblocks (the filter publishes the automatic blocks). Best effort: the database row is the record,
 * so a bus outage is logged and never fails the request that caused the notice.
 */
@Injectable()
export class OperatorNotices {
  private readonly logger = new Logger('OperatorNotices');

  constructor(@Optional() @Inject(EventBus) private readonly bus: EventBus | null) {}

  async publish(
    kind: string,
    subject: string,
    detail: Readonly<Record<string, unknown>>,
    at = new Date(),
  ): Promise<void> {
    if (!this.bus) return;
    try {
      await this.bus.publish('spamfilter.operator.v1', subject, {
        eventId: randomUUID(),
        kind,
        subject,
        detail,
        occurredAt: at.toISOString(),
      });
    } catch (err) {
      this.logger.warn(
        `operator notice ${kind} for ${subject} not published: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}
