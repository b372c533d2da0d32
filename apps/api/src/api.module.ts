import {
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '@spamfilter/config';
import { openDataSource } from '@spamfilter/persistence';
import { DataSource } from 'typeorm';
import { API_APP_CONFIG } from './api-config.token';
import { HealthController } from './controllers/health.controller';
import { MarksController } from './controllers/marks.controller';
import { UsersController } from './controllers/users.controller';
import { VerdictsController } from './controllers/verdicts.controller';
import { ApiKeyGuard } from './guards/api-key.guard';
import { AuthService } from './services/auth.service';
import { HealthService } from './services/health.service';
import { MarksService } from './services/marks.service';
import { OutboxPublisher } from './services/outbox-publisher';
import { OutboxRelayService } from './services/outbox-relay.service';
import { UsersService } from './services/users.service';
import { VerdictsService } from './services/verdicts.service';

export interface ApiModuleOptions {
  /** Where the outbox relay publishes; default: the configured bus (libs/messaging). */
  readonly publisher?: OutboxPublisher;
}

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(private readonly db: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.db.isInitialized) await this.db.destroy();
  }
}

/** OUTBOX_RELAY_ENABLED=false: this process only writes the outbox; another process relays it. */
class NoRelayPublisher extends OutboxPublisher {
  publishBatch(): Promise<void> {
    return Promise.reject(new Error('the outbox relay is disabled in this process'));
  }
}

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, options: ApiModuleOptions = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: API_APP_CONFIG, useValue: config },
      { provide: DataSource, useFactory: () => openDataSource(config.database) },
      DataSourceCloser,
      { provide: APP_GUARD, useClass: ApiKeyGuard },
      AuthService,
      UsersService,
      MarksService,
      VerdictsService,
      HealthService,
      OutboxRelayService,
    ];
    if (options.publisher) providers.push({ provide: OutboxPublisher, useValue: options.publisher });
    else if (!config.api.outboxRelayEnabled)
      providers.push({ provide: OutboxPublisher, useValue: new NoRelayPublisher() });
    else throw new Error('ApiModule: no bus publisher configured (libs/messaging not wired yet)');
    return {
      module: ApiModule,
      controllers: [HealthController, MarksController, VerdictsController, UsersController],
      providers,
    };
  }
}
