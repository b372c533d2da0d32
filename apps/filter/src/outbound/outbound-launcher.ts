import { Logger } from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import { createCounterStore, type CounterStore } from '@spamfilter/counters';
import { createEventBus, type EventBus } from '@spamfilter/messaging';
import type { DataSource } from 'typeorm';
import type { FilterDependencies } from '../services/filter-services';
import { DbDeliveryResults } from './delivery-results';
import { createOutboundProtection } from './outbound-db-stores';
import type { OutboundProtection } from './outbound-protection';
import { OutboundModule } from './outbound.module';

export interface OutboundForFilter {
  readonly protection: OutboundProtection;
  /** Spread into createFilterApp's options: the outbound checks, the scan extensions and the HTTP routes. */
  readonly filterDependencies: Pick<FilterDependencies, 'extraChecks' | 'extensions' | 'modules'>;
  /** Tells the outbound stores where the database is (the filter connects it in the background). */
  useDatabase(ref: () => DataSource | undefined): void;
  close(): Promise<void>;
}

/**
 * Everything the filter process needs for outbound protection, from the configuration: the counter store
 * (COUNTERS), the bus for operator notices (BUS) and the outbound checks over the filter's database. Usage in
 * main.ts:
 *
 *   const outbound = await startOutboundForFilter(config);
 *   const filter = await createFilterApp(config, { ..., ...outbound.filterDependencies });
 *   outbound.useDatabase(() => filter.services.database?.repos().dataSource);
 */
export async function startOutboundForFilter(
  config: AppConfig,
  injected: { counters?: CounterStore; bus?: EventBus } = {},
): Promise<OutboundForFilter> {
  const logger = new Logger('Outbound');
  const counters = injected.counters ?? createCounterStore(config.counters);
  const bus = injected.bus ?? (await createEventBus(config.messaging));
  let ref: () => DataSource | undefined = () => undefined;
  const protection = createOutboundProtection(config, {
    dataSource: () => {
      const ds = ref();
      if (!ds) throw new Error('database not connected yet');
      return ds;
    },
    counters,
    bus,
    log: { warn: (m) => logger.warn(m) },
  });
  return {
    protection,
    filterDependencies: {
      extraChecks: protection.checks,
      extensions: {
        forcedAction: (hits, envelope) => protection.forcedAction(hits, envelope),
        onVerdict: (verdict, envelope) => protection.onVerdict(verdict, envelope),
        headers: (verdict, envelope) => protection.routingHeaders(verdict, envelope),
      },
      // Delivery results are kept in the filter's database, when it has one.
      modules: [OutboundModule.forRoot(protection, new DbDeliveryResults(() => ref()))],
    },
    useDatabase(r) {
      ref = r;
    },
    async close() {
      await protection.autoBlock.idle();
      if (!injected.bus) await bus.close();
      if (!injected.counters) await counters.close();
    },
  };
}

/**
 * Adds outbound protection to the filter's dependencies without dropping what is there: the outbound checks are
 * appended, onVerdict and headers are chained, and a forced action of the outbound module wins over an existing
 * hook's null.
 */
export function withOutbound(
  deps: FilterDependencies,
  outbound: Pick<OutboundForFilter, 'filterDependencies'>,
): FilterDependencies {
  const prev = deps.extensions;
  const ob = outbound.filterDependencies.extensions!;
  return {
    ...deps,
    extraChecks: [...(deps.extraChecks ?? []), ...(outbound.filterDependencies.extraChecks ?? [])],
    modules: [...(deps.modules ?? []), ...(outbound.filterDependencies.modules ?? [])],
    extensions: {
      ...prev,
      forcedAction: (hits, envelope) =>
        ob.forcedAction?.(hits, envelope) ?? prev?.forcedAction?.(hits, envelope) ?? null,
      onVerdict: (verdict, envelope, ctx) => {
        prev?.onVerdict?.(verdict, envelope, ctx);
        ob.onVerdict?.(verdict, envelope, ctx);
      },
      headers: (verdict, envelope) => [
        ...(prev?.headers?.(verdict, envelope) ?? []),
        ...(ob.headers?.(verdict, envelope) ?? []),
      ],
    },
  };
}
