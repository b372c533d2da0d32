import {
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import type { DatabaseConfig } from '@spamfilter/config';
import { DataSource } from 'typeorm';
import { openDataSource, type SchemaLists } from './data-source.factory';
import { DatabaseHealth } from './database-health';
import { ApiKeyRepository } from './repositories/api-key.repository';
import { AuditLogRepository } from './repositories/audit-log.repository';
import { ListRepository } from './repositories/list.repository';
import { OutboxRepository } from './repositories/outbox.repository';
import { PolicyRepository } from './repositories/policy.repository';
import { ProcessedEventRepository } from './repositories/processed-event.repository';
import { ReputationRepository } from './repositories/reputation.repository';
import { ScanRecordRepository } from './repositories/scan-record.repository';
import { UserRepository } from './repositories/user.repository';
import { Transactions } from './transactions';
import { MarkRequestRepository } from './marks/mark-request.repository';

export const PERSISTENCE_PROVIDERS = [
  Transactions,
  DatabaseHealth,
  ApiKeyRepository,
  UserRepository,
  PolicyRepository,
  ListRepository,
  ScanRecordRepository,
  OutboxRepository,
  ProcessedEventRepository,
  ReputationRepository,
  AuditLogRepository,
  MarkRequestRepository,
] as const;

/** Closes the pool / SQLite file on shutdown (enableShutdownHooks in main.ts). */
class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * `PersistenceModule.forRoot(config.database)`: opens the data source at start-up (running migrations when
 * DB_MIGRATIONS_RUN), failing the boot with one clear line (DatabaseStartupError) when it cannot, and provides the
 * DataSource, Transactions, DatabaseHealth and the repositories to the whole application (global module).
 */
@Module({})
export class PersistenceModule {
  static forRoot(config: DatabaseConfig, schema: SchemaLists = {}): DynamicModule {
    const dataSource: Provider = { provide: DataSource, useFactory: () => openDataSource(config, schema) };
    return {
      module: PersistenceModule,
      global: true,
      providers: [dataSource, DataSourceCloser, ...PERSISTENCE_PROVIDERS],
      exports: [DataSource, ...PERSISTENCE_PROVIDERS],
    };
  }

  /** For tests and tools that already hold an open data source. */
  static forDataSource(dataSourceInstance: DataSource): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      providers: [{ provide: DataSource, useValue: dataSourceInstance }, ...PERSISTENCE_PROVIDERS],
      exports: [DataSource, ...PERSISTENCE_PROVIDERS],
    };
  }
}
