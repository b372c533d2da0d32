import { Counter, Registry } from 'prom-client';

/**
 * Prometheus counters of one event bus, in a registry of their own so an app can mount it beside its own metrics
 * (`Registry.merge([app.registry, bus.metrics.registry])`) and tests can run several buses in one process.
 */
export class MessagingMetrics {
  /** Events moved to `<topic>.dlq`, by logical topic, consumer group and reason ('invalid' or 'failed'). */
  readonly deadLettered: Counter<'topic' | 'group' | 'reason'>;
  /** Handler attempts that threw (each retry counts), by logical topic and consumer group. */
  readonly handlerFailures: Counter<'topic' | 'group'>;

  constructor(readonly registry: Registry = new Registry()) {
    this.deadLettered = new Counter({
      name: 'spamfilter_messaging_dead_lettered_total',
      help: 'Events moved to the dead-letter topic instead of being handled, by topic, group and reason (invalid, failed)',
      labelNames: ['topic', 'group', 'reason'],
      registers: [registry],
    });
    this.handlerFailures = new Counter({
      name: 'spamfilter_messaging_handler_failures_total',
      help: 'Event handler attempts that threw (each retry counts), by topic and group',
      labelNames: ['topic', 'group'],
      registers: [registry],
    });
  }

  /** The counter's current value for one label set (tests, /health details). */
  async deadLetteredCount(topic: string, group: string, reason?: DeadLetterReason): Promise<number> {
    const values = (await this.deadLettered.get()).values;
    return values
      .filter(
        (v) =>
          v.labels.topic === topic && v.labels.group === group && (!reason || v.labels.reason === reason),
      )
      .reduce((n, v) => n + v.value, 0);
  }
}

/** invalid: not JSON or not the topic's event (never retried); failed: the handler threw on every attempt. */
export type DeadLetterReason = 'invalid' | 'failed';
