/**
 * What the outbox relay needs from the event bus: publish one ordered batch; resolve only when every message is
 * acknowledged (Kafka acks), reject when any failed. Bound to libs/messaging's EventBus in api.module.ts.
 */
export interface OutboxMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly payload: unknown;
}

export abstract class OutboxPublisher {
  abstract publishBatch(messages: readonly OutboxMessage[]): Promise<void>;
}
