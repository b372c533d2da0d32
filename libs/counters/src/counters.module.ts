import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { CountersConfig } from '@spamfilter/config';
import { Clock } from './clock';
import { CounterStore } from './counter-store.port';
import { MemoryCounterStore } from './memory-counter-store';
import { RedisCounterStore } from './redis-counter-store';

/** Builds the store the configuration asks for (COUNTERS=memory|redis). */
export function createCounterStore(
  config: CountersConfig,
  clock: Clock = new Clock(),
  logger = new Logger('Counters'),
): CounterStore {
  switch (config.store) {
    case 'memory':
      return new MemoryCounterStore(clock, { maxKeys: config.memoryMaxKeys });
    case 'redis':
      return new RedisCounterStore({
        url: config.redisUrl,
        keyPrefix: config.keyPrefix,
        commandTimeoutMs: config.redisCommandTimeoutMs,
        connectTimeoutMs: config.redisConnectTimeoutMs,
        clock,
        onConnectionError: (m) => logger.warn(m),
      });
    default: {
      const unknownStore: never = config.store;
      throw new Error(`unknown COUNTERS ${String(unknownStore)}`);
    }
  }
}

@Injectable()
export class CounterStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(CounterStore) private readonly store: CounterStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

@Module({})
export class CountersModule {
  /** `CountersModule.forRoot(config.counters)`: provides CounterStore (global); pass a clock to move time in tests. */
  static forRoot(config: CountersConfig, opts: { clock?: Clock } = {}): DynamicModule {
    const clock = opts.clock ?? new Clock();
    return {
      module: CountersModule,
      global: true,
      providers: [
        { provide: CounterStore, useFactory: () => createCounterStore(config, clock) },
        CounterStoreLifecycle,
      ],
      exports: [CounterStore],
    };
  }

  /**
   * Provides a store its caller already opened and will close (the embedded launcher shares one in-memory store
   * between the filter and the API, so the API sees the filter's counters).
   */
  static forStore(store: CounterStore): DynamicModule {
    return {
      module: CountersModule,
      global: true,
      providers: [{ provide: CounterStore, useValue: store }],
      exports: [CounterStore],
    };
  }
}
