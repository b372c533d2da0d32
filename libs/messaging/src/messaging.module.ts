import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { MessagingConfig } from '@spamfilter/config';
import type { BusLogger } from './bus-logger';
import { EventBus } from './event-bus.port';
import { InMemoryEventBus } from './in-memory-event-bus';
import { KafkaEventBus } from './kafka-event-bus';

export const MESSAGING_CONFIG = Symbol('MESSAGING_CONFIG');

/**
 * Builds the bus the configuration asks for. BUS=memory: an in-process bus over the process-wide broker (two apps in
 * one process share topics). BUS=kafka: connects once; with KAFKA_REQUIRED=true an unreachable broker throws one
 * line (MessagingUnavailableError), otherwise the app starts and health() reports 'down' until Kafka answers.
 */
export async function createEventBus(
  config: MessagingConfig,
  logger: BusLogger = new Logger('EventBus'),
): Promise<EventBus> {
  switch (config.bus) {
    case 'memory':
      return new InMemoryEventBus({
        topicPrefix: config.topicPrefix,
        logger,
        retry: { maxAttempts: config.maxAttempts },
      });
    case 'kafka': {
      const bus = new KafkaEventBus({
        brokers: config.kafkaBrokers,
        clientId: config.kafkaClientId,
        topicPrefix: config.topicPrefix,
        connectTimeoutMs: config.connectTimeoutMs,
        partitions: config.kafkaPartitions,
        replicationFactor: config.kafkaReplicationFactor,
        kafkaLogLevel: config.kafkaLogLevel,
        retry: { maxAttempts: config.maxAttempts },
        logger,
      });
      await bus.connect({ required: config.kafkaRequired });
      return bus;
    }
    default: {
      const unknownBus: never = config.bus;
      throw new Error(`unknown BUS ${String(unknownBus)}`);
    }
  }
}

/** Closes the bus when the app shuts down (consumers leave their groups, the producer flushes). */
@Injectable()
export class EventBusLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EventBus) private readonly bus: EventBus) {}
  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

@Module({})
export class MessagingModule {
  /** `MessagingModule.forRoot(config.messaging)`: provides EventBus (global) to the whole app. */
  static forRoot(config: MessagingConfig, opts: { logger?: BusLogger } = {}): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: MESSAGING_CONFIG, useValue: config },
        { provide: EventBus, useFactory: () => createEventBus(config, opts.logger) },
        EventBusLifecycle,
      ],
      exports: [EventBus, MESSAGING_CONFIG],
    };
  }
}
