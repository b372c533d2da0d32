import {
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '@spamfilter/config';
import { PersistenceModule } from '@spamfilter/persistence';
import { API_APP_CONFIG } from './api-config.token';
import { FeedbackConsumer } from './consumers/feedback.consumer';
import { FeedbackSource } from './consumers/feedback-source';
import { KafkaFeedbackSource } from './consumers/kafka-feedback.source';
import { LearnerBayesStores, LearnerService } from './consumers/learner.service';
import { HealthController } from './controllers/health.controller';
import { MarksController } from './controllers/marks.controller';
import { UsersController } from './controllers/users.controller';
import { VerdictsController } from './controllers/verdicts.controller';
import { ApiKeyGuard } from './guards/api-key.guard';
import { AuthService } from './services/auth.service';
import { HealthService } from './services/health.service';
import { KafkaOutboxPublisher } from './services/kafka-outbox.publisher';
import { MarksService } from './services/marks.service';
import { OutboxPublisher } from './services/outbox-publisher';
import { OutboxRelayService } from './services/outbox-relay.service';
import { UsersService } from './services/users.service';
import { VerdictsService } from './services/verdicts.service';

export interface ApiModuleOptions {
  /** Where the outbox relay publishes; default: Kafka when BUS=kafka. */
  readonly publisher?: OutboxPublisher;
  /** The learner's subscription; default: Kafka consumer group when BUS=kafka. */
  readonly feedbackSource?: FeedbackSource;
  /** The learner's transactional Bayes store; default: libs/persistence's TypeORM store. */
  readonly learnerStores?: LearnerBayesStores;
}

/** OUTBOX_RELAY_ENABLED=false: this process only writes the outbox; another process relays it. */
class NoRelayPublisher extends OutboxPublisher {
  publishBatch(): Promise<void> {
    return Promise.reject(new Error('the outbox relay is disabled in this process'));
  }
}

/** Closes the adapters this module created itself. */
@Injectable()
class AdapterCloser implements OnApplicationShutdown {
  constructor(private readonly publisher: OutboxPublisher) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.publisher instanceof KafkaOutboxPublisher) await this.publisher.close();
  }
}

function publisherFor(config: AppConfig, options: ApiModuleOptions): OutboxPublisher {
  if (options.publisher) return options.publisher;
  if (!config.api.outboxRelayEnabled) return new NoRelayPublisher();
  switch (config.messaging.bus) {
    case 'kafka':
      return new KafkaOutboxPublisher(config.messaging);
    case 'memory':
      throw new Error(
        'BUS=memory: the in-process bus adapter (libs/messaging) is not wired into the API yet',
      );
  }
}

function feedbackSourceFor(config: AppConfig, options: ApiModuleOptions): FeedbackSource {
  if (options.feedbackSource) return options.feedbackSource;
  switch (config.messaging.bus) {
    case 'kafka':
      return new KafkaFeedbackSource(config.messaging, config.learner);
    case 'memory':
      throw new Error(
        'BUS=memory: the in-process bus adapter (libs/messaging) is not wired into the learner yet',
      );
  }
}

/**
 * The API app: REST + OpenAPI, the outbox relay, and with LEARNER_ENABLED the learner (consumer group on
 * spamfilter.feedback.v1). One image runs api pods, learner pods or both.
 */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, options: ApiModuleOptions = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: API_APP_CONFIG, useValue: config },
      { provide: APP_GUARD, useClass: ApiKeyGuard },
      { provide: OutboxPublisher, useFactory: () => publisherFor(config, options) },
      AdapterCloser,
      AuthService,
      UsersService,
      MarksService,
      VerdictsService,
      HealthService,
      OutboxRelayService,
    ];
    if (config.learner.enabled) {
      if (!options.learnerStores)
        throw new Error(
          'LEARNER_ENABLED: no transactional Bayes store is wired yet (libs/persistence/src/bayes)',
        );
      providers.push(
        { provide: FeedbackSource, useFactory: () => feedbackSourceFor(config, options) },
        { provide: LearnerBayesStores, useValue: options.learnerStores },
        LearnerService,
        FeedbackConsumer,
      );
    }
    return {
      module: ApiModule,
      imports: [PersistenceModule.forRoot(config.database)],
      controllers: [HealthController, MarksController, VerdictsController, UsersController],
      providers,
    };
  }
}
