import { randomUUID } from 'node:crypto';
import type { EventBus } from '@spamfilter/messaging';
import type { OperatorNotice, OperatorNotifier } from '../outbound-sources.port';

export interface NotifierLog {
  warn(message: string): void;
}

/** Publishes the notice on spamfilter.operator.v1, keyed by account so one account's notices stay in order. */
export class BusOperatorNotifier implements OperatorNotifier {
  constructor(private readonly bus: Pick<EventBus, 'publish'>) {}

  notify(notice: OperatorNotice): Promise<void> {
    return this.bus.publish('spamfilter.operator.v1', notice.account, {
      eventId: randomUUID(),
      kind: notice.kind,
      subject: notice.account,
      detail: {
        tenantId: notice.tenantId,
        reason: notice.reason,
        reference: notice.reference,
        actor: notice.actor,
      },
      occurredAt: notice.at,
    });
  }
}

/**
 * POSTs the notice as JSON to the operators' webhook (chat, ticketing). One attempt under a timeout: the bus event
 * is the durable record, the webhook is the nudge.
 */
export class WebhookOperatorNotifier implements OperatorNotifier {
  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async notify(notice: OperatorNotice): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'spamfilter-outbound/1' },
      body: JSON.stringify(notice),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    // Drain the body so the socket is released.
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  }
}

/** Tells every channel; one channel failing never stops the others, and failures are logged, not thrown. */
export class FanOutOperatorNotifier implements OperatorNotifier {
  constructor(
    private readonly channels: readonly { readonly name: string; readonly notifier: OperatorNotifier }[],
    private readonly log: NotifierLog,
  ) {}

  async notify(notice: OperatorNotice): Promise<void> {
    await Promise.all(
      this.channels.map(async (c) => {
        try {
          await c.notifier.notify(notice);
        } catch (err) {
          this.log.warn(
            `operator notice via ${c.name} failed for ${notice.account}: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }),
    );
  }
}
