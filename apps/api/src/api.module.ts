import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '@spamfilter/config';
import { CountersModule, type CounterStore } from '@spamfilter/counters';
import { EventBus, MessagingModule } from '@spamfilter/messaging';
import {
  BatchedBayesStore,
  DatabaseHealth,
  OutboundAccountRepository,
  OutboxRepository,
  PersistenceModule,
} from '@spamfilter/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { API_APP_CONFIG } from './api-config.token';
import { FeedbackConsumer } from './consumers/feedback.consumer';
import { BusFeedbackSource } from './consumers/bus-feedback.source';
import { FeedbackSource } from './consumers/feedback-source';
import { LearnerBayesStores, LearnerService } from './consumers/learner.service';
import { SharingController } from './sharing/sharing.controller';
import { SharingService } from './sharing/sharing.service';
import { LogisticTrainer } from './consumers/logistic-trainer';
import { HealthController } from './controllers/health.controller';
import { ApiMetricsService, learnerLag } from './metrics/api-metrics.service';
import { MetricsController } from './metrics/metrics.controller';
import { MarksController } from './controllers/marks.controller';
import { UsersController } from './controllers/users.controller';
import { ControlModule } from './control/control.module';
import { CONSOLE_PROVIDERS, consoleControllers } from './console/console.providers';
import { OperatorToolsModule } from './operator/operator-tools.module';
import { QUARANTINE_CONTROLLERS, QUARANTINE_PROVIDERS } from './quarantine/quarantine.providers';
import { VerdictsController } from './controllers/verdicts.controller';
import { ApiKeyGuard } from './guards/api-key.guard';
import { DatabaseBusyFilter } from './guards/database-busy.filter';
import { AuthService } from './services/auth.service';
import { HealthService } from './services/health.service';
import { RetentionService } from './services/retention.service';
import { BusOutboxPublisher } from './services/bus-outbox.publisher';
import { MarksService } from './services/marks.service';
import { OutboxPublisher } from './services/outbox-publisher';
import { OutboxRelayService } from './services/outbox-relay.service';
import { UsersService } from './services/users.service';
import { VerdictsService } from './services/verdicts.service';

export interface ApiModuleOptions {
  /** Where the outbox relay publishes; default: libs/messaging's EventBus (BUS). */
  readonly publisher?: OutboxPublisher;
  /** The learner's subscription; default: a batch consumer group on libs/messaging's EventBus (BUS). */
  readonly feedbackSource?: FeedbackSource;
  /** The learner's transactional Bayes store; default: libs/persistence's TypeORM store. */
  readonly learnerStores?: LearnerBayesStores;
  /**
   * An already opened (and migrated) data source, owned by the caller; default: PersistenceModule opens one. main.ts
   * opens it first so that an unreachable database stops start-up with one line instead of Nest's stack trace.
   */
  readonly dataSource?: DataSource;
  /**
   * An already opened counter store, owned by the caller; default: CountersModule opens one from COUNTERS (Redis in
   * production). The embedded launcher passes the filter's in-memory store, where the AUTH lockouts are counted.
   */
  readonly counters?: CounterStore;
  /** Collect node's process metrics on /metrics (main.ts; off in tests that create many apps). */
  readonly defaultMetrics?: boolean;
}

/** The learner's default: libs/persistence's Bayes store on the handler's transaction, written once per batch. */
class TransactionalBayesStores extends LearnerBayesStores {
  forTransaction(manager: EntityManager): BatchedBayesStore {
    return new BatchedBayesStore(manager);
  }
}

/** OUTBOX_RELAY_ENABLED=false: this process only writes the outbox; another process relays it. */
class NoRelayPublisher extends OutboxPublisher {
  publishBatch(): Promise<void> {
    return Promise.reject(new Error('the outbox relay is disabled in this process'));
  }
}

function publisherFor(config: AppConfig, options: ApiModuleOptions, bus: EventBus): OutboxPublisher {
  if (options.publisher) return options.publisher;
  return config.api.outboxRelayEnabled ? new BusOutboxPublisher(bus) : new NoRelayPublisher();
}

function feedbackSourceFor(
  options: ApiModuleOptions,
  config: AppConfig,
  bus: EventBus,
  db: DataSource,
): FeedbackSource {
  if (options.feedbackSource) return options.feedbackSource;
  const databaseUp = (): Promise<boolean> =>
    db.query('SELECT 1').then(
      () => true,
      () => false,
    );
  return new BusFeedbackSource(bus, config.learner.groupId, databaseUp);
}

/** /metrics of this process: the gauges read the outbox, the outbound accounts, the database and the brokers. */
function apiMetrics(
  config: AppConfig,
  options: ApiModuleOptions,
  outbox: OutboxRepository,
  db: DataSource,
  bus: EventBus,
): ApiMetricsService {
  const accounts = new OutboundAccountRepository(db);
  const database = new DatabaseHealth(db);
  const lag = learnerLag(config);
  const metrics = new ApiMetricsService({
    outboxBacklog: () => outbox.pendingCount(),
    outboxOldestPendingAt: () => outbox.oldestPendingAt(),
    blockedAccounts: () => accounts.countBlocked(),
    databaseUp: async () => (await database.health()).status === 'up',
    consumerLag: lag?.read ?? null,
    defaultMetrics: options.defaultMetrics ?? false,
  });
  metrics.closeLag = lag?.close ?? null;
  // Dead-lettered events and handler failures of this process's consumers (the learner's).
  metrics.mount(bus.metrics.registry);
  return metrics;
}

/**
 * The API app: REST + OpenAPI, the outbox relay, and with LEARNER_ENABLED the learner (consumer group on
 * spamfilter.feedback.v1) and the logistic trainer (LOGISTIC_TRAINER_ENABLED). One image runs api pods, learner pods
 * or both.
 */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, options: ApiModuleOptions = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: API_APP_CONFIG, useValue: config },
      { provide: APP_GUARD, useClass: ApiKeyGuard },
      { provide: APP_FILTER, useClass: DatabaseBusyFilter },
      {
        provide: OutboxPublisher,
        useFactory: (bus: EventBus) => publisherFor(config, options, bus),
        inject: [EventBus],
      },
      {
        provide: ApiMetricsService,
        useFactory: (outbox: OutboxRepository, db: DataSource, bus: EventBus) =>
          apiMetrics(config, options, outbox, db, bus),
        inject: [OutboxRepository, DataSource, EventBus],
      },
      AuthService,
      UsersService,
      MarksService,
      VerdictsService,
      HealthService,
      OutboxRelayService,
      RetentionService,
      ...QUARANTINE_PROVIDERS,
      ...CONSOLE_PROVIDERS,
      SharingService,
    ];
    if (config.learner.enabled) {
      providers.push(
        {
          provide: FeedbackSource,
          useFactory: (bus: EventBus, db: DataSource) => feedbackSourceFor(options, config, bus, db),
          inject: [EventBus, DataSource],
        },
        { provide: LearnerBayesStores, useValue: options.learnerStores ?? new TransactionalBayesStores() },
        LearnerService,
        FeedbackConsumer,
        // Retrains the global logistic component from the global layer's training set (LOGISTIC_*).
        LogisticTrainer,
      );
    }
    return {
      module: ApiModule,
      imports: [
        options.dataSource
          ? PersistenceModule.forDataSource(options.dataSource)
          : PersistenceModule.forRoot(config.database),
        MessagingModule.forRoot(config.messaging),
        options.counters
          ? CountersModule.forStore(options.counters)
          : CountersModule.forRoot(config.counters),
        ControlModule.forRoot(),
        OperatorToolsModule.forRoot(config),
      ],
      controllers: [
        HealthController,
        MetricsController,
        MarksController,
        VerdictsController,
        UsersController,
        SharingController,
        ...QUARANTINE_CONTROLLERS,
        ...consoleControllers(config),
      ],
      providers,
    };
  }
}
