import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { FilterConfig } from '@spamfilter/config';
import { AuthGuardController } from './auth-guard/auth-guard.controller';
import { HealthController } from './controllers/health.controller';
import { ScanController } from './controllers/scan.controller';
import { FilterServices, type FilterDependencies } from './services/filter-services';

@Module({})
export class FilterModule implements OnApplicationShutdown {
  private static instances = new WeakSet<FilterServices>();

  static forRoot(config: FilterConfig, deps: FilterDependencies = {}): DynamicModule {
    const services = new FilterServices(config, deps);
    FilterModule.instances.add(services);
    return {
      module: FilterModule,
      imports: [...(deps.modules ?? [])],
      controllers: [ScanController, HealthController, AuthGuardController],
      providers: [
        { provide: FilterServices, useValue: services },
        { provide: 'FILTER_SERVICES_CLOSE', useValue: () => services.close() },
      ],
      exports: [FilterServices],
    };
  }

  onApplicationShutdown(): void {
    // FilterServices.close() is called by bootstrap's close(); nothing else to release here.
  }
}
