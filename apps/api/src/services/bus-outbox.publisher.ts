import { EventBus, isTopicName, type OutgoingEvent } from '@spamfilter/messaging';
import { OutboxPublisher, type OutboxMessage } from './outbox-publisher';

/** The relay's publisher on libs/messaging's EventBus (Kafka or the in-process bus); resolves when all are acked. */
export class BusOutboxPublisher extends OutboxPublisher {
  constructor(private readonly bus: EventBus) {
    super();
  }

  async publishBatch(messages: readonly OutboxMessage[]): Promise<void> {
    const events: OutgoingEvent[] = messages.map((m) => {
      if (!isTopicName(m.topic))
        throw new Error(`outbox row names an unknown topic ${JSON.stringify(m.topic)}`);
      return { topic: m.topic, key: m.key ?? '', event: m.payload as never };
    });
    await this.bus.publishBatch(events);
  }
}
