import 'reflect-metadata';
import { requireCallerToken } from './services/caller-token';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, type INestApplication, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { AppConfig } from '@spamfilter/config';
import { createLogger, unscoped } from '@spamfilter/observability';
import { parseLimits } from '@spamfilter/bayes';
import { ScanController, send } from './controllers/scan.controller';
import { FilterModule } from './filter.module';
import { FilterServices, type FilterDependencies } from './services/filter-services';
import { FilterDatabase } from './services/persistence/filter-database';
import { databaseBayesClassifier, FilterBayesModel } from './services/bayes-model';
import { CampaignIndex } from './services/campaign-index';
import { FilterEvents } from './services/filter-events';
import type { LogisticSnapshotLoader } from './services/logistic-model';
import { createCounterStore, type CounterStore } from '@spamfilter/counters';
import { createEventBus, type EventBus } from '@spamfilter/messaging';
import { startOutboundForFilter, withOutbound, type OutboundForFilter } from './outbound/outbound-launcher';

export interface FilterApp {
  readonly app: INestApplication;
  readonly services: FilterServices;
  /** The hot Bayes model kept current from the bus (database + bus, no injected classifier), else null. */
  readonly bayesModel: FilterBayesModel | null;
  /** The HTTP server (also for supertest); listening only after `listen()`. */
  readonly server: Server;
  /** Starts listening on config.filter.host:port (port 0: any free port); resolves to the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Creates the filter in-process (a launcher or a test can start several). Nest's body parser is off: the scan route
 * streams the raw message itself under the size limit. Our own http.Server allows large envelope headers — 1,000
 * recipients in X-Rcpt-To exceed node's 16 KiB default.
 */
export interface ConnectOptions {
  /** Open the database of config.database (lists, policies, users, message log), in the background. */
  readonly connectDatabase?: boolean;
  /** Greylisting triplets in the counter store of config.counters (Redis or in-memory). */
  readonly connectCounters?: boolean;
  /** Publish scan events and follow model changes on the bus of config.messaging. */
  readonly connectBus?: boolean;
  /** Outbound protection (rate limits, account blocks, AUP rules, routing tag) on the counters, bus and database above. */
  readonly connectOutbound?: boolean;
  /**
   * A counter store opened (and closed) by the caller, used instead of one from config.counters: the embedded
   * launcher shares its in-memory store with the API, which lists and clears the AUTH lockouts counted here.
   */
  readonly counters?: CounterStore;
  /** Nest logger setting; default: JSON lines (or pretty) at LOG_LEVEL from libs/observability. */
  readonly logger?: false | LogLevel[] | LoggerService;
}

export async function createFilterApp(
  config: AppConfig,
  options: FilterDependencies & ConnectOptions = {},
): Promise<FilterApp> {
  const {
    connectDatabase,
    connectCounters,
    connectBus,
    connectOutbound,
    counters: sharedCounters,
    logger,
    ...rest
  } = options;
  let deps: FilterDependencies = rest;
  let counters: CounterStore | null = null;
  /** The store this app opened itself and closes. */
  let ownCounters: CounterStore | null = null;
  if (sharedCounters || (connectCounters && !deps.greylistStore)) {
    counters = sharedCounters ?? (ownCounters = createCounterStore(config.counters));
    const store = counters;
    deps = {
      ...deps,
      greylistStore: deps.greylistStore ?? store,
      health: {
        counters: async () => {
          const h = await store.health();
          return {
            state: h.status,
            detail: `${config.counters.store} ${JSON.stringify(h.detail).slice(0, 160)}`,
          };
        },
        ...deps.health,
      },
    };
  }
  let bus: EventBus | null = null;
  let events: FilterEvents | null = null;
  let servicesRef: FilterServices | null = null;
  if (connectBus) {
    // Its connections are opened by the first scan that publishes: their log lines must not carry that scan's reference.
    bus = await createEventBus(config.messaging, unscoped(new Logger('EventBus')));
    const b = bus;
    events = new FilterEvents(b, () => servicesRef!);
    const ev = events;
    const prevVerdict = deps.extensions?.onVerdict;
    deps = {
      ...deps,
      extensions: {
        ...deps.extensions,
        onVerdict: (verdict, envelope, ctx) => {
          prevVerdict?.(verdict, envelope, ctx);
          ev.publishVerdict(verdict, envelope);
        },
      },
      health: {
        bus: async () => {
          const h = await b.health();
          return {
            state: h.status,
            detail: `${config.messaging.bus}; scan events dropped ${ev.dropped}, failed ${ev.failed}`,
          };
        },
        ...deps.health,
      },
    };
  }
  let outbound: OutboundForFilter | null = null;
  if (connectOutbound) {
    outbound = await startOutboundForFilter(config, {
      ...(counters ? { counters } : {}),
      ...(bus ? { bus } : {}),
    });
    deps = withOutbound(deps, outbound);
  }
  let database: FilterDatabase | null = null;
  if (connectDatabase && !deps.database) {
    // Connects in the background: a database that is down delays nothing (see FilterDatabase).
    database = new FilterDatabase(config.database);
    await database.start();
    deps = { ...deps, database };
  }
  // With a database, Bayes scans with the learner's model unless a test injects one: hot in memory, kept current from
  // spamfilter.model.v1, when there is a bus; otherwise read from its tables on every scan.
  // The logistic component follows the newest snapshot (events and LOGISTIC_POLL_MS); Bayes alone until there is one.
  let bayesModel: FilterBayesModel | null = null;
  let logisticLoader: LogisticSnapshotLoader | null = null;
  // Campaigns confirmed by users' marks: from the database, kept current by the model-change events below.
  let campaigns: CampaignIndex | null = null;
  if (deps.database && !deps.campaigns) {
    campaigns = new CampaignIndex(deps.database, {
      similarity: config.learner.campaignSimilarity,
      reloadMs: 60_000,
    });
    deps = { ...deps, campaigns };
  }
  if (deps.database && !deps.bayes) {
    const logistic = { pollMs: config.logistic.pollMs };
    if (bus) {
      bayesModel = await FilterBayesModel.start(
        config.bayes,
        deps.database,
        bus,
        { maxUserScopes: config.bayesCache.userScopes },
        logistic,
        campaigns,
      );
      deps = { ...deps, bayes: { classifier: bayesModel.classifier } };
    } else {
      const model = databaseBayesClassifier(config.bayes, deps.database, logistic);
      logisticLoader = model.loader;
      logisticLoader.start();
      deps = { ...deps, bayes: { classifier: model.classifier } };
    }
  }
  const loader = bayesModel?.logistic ?? logisticLoader;
  if (loader) {
    const l = loader;
    deps = {
      ...deps,
      health: {
        bayes: () =>
          Promise.resolve({
            state: 'up',
            detail:
              l.version !== null
                ? `Bayes + logistic snapshot ${l.version}`
                : config.bayes.starter !== 'off'
                  ? 'starter model (BAYES_STARTER): no logistic snapshot of this installation yet'
                  : 'Bayes alone: no logistic snapshot yet',
          }),
        ...deps.health,
      },
    };
  }
  // Subscribed (above) before the first load, so no campaign falls between the snapshot and the events.
  campaigns?.start();
  deps = { parseLimits: parseLimits(config.bayes), ...deps };
  // SMTP AUTH lockouts are counted in the shared counter store when there is one (every instance, and the API, see them).
  deps = {
    ...deps,
    authGuard: { limits: config.authGuard, ...(counters ? { counters } : {}), ...deps.authGuard },
  };
  const adapter = new ExpressAdapter();
  const app = await NestFactory.create(FilterModule.forRoot(config.filter, deps), adapter, {
    bodyParser: false,
    logger: logger ?? createLogger(config.log, 'filter'),
  });
  // No app.enableShutdownHooks(): main.ts stops on SIGTERM/SIGINT with close() below, which drains the message log
  // before Nest closes. Nest's hook would close Nest and re-raise the signal, killing the process mid-drain.
  await app.init();
  const services = app.get(FilterServices);
  servicesRef = services;
  if (bus) services.metrics.mount(bus.metrics.registry);
  if (bayesModel) bayesModel.onApplied = (event) => services.metrics.modelChangeApplied(event);
  const autoBlock = outbound?.protection.autoBlock;
  if (autoBlock) services.metrics.readFrom({ autoBlocks: () => autoBlock.blocked });
  outbound?.useDatabase(() => services.database?.repos().dataSource);
  await events?.subscribe();
  if (deps.database) await events?.subscribeFeedback();
  const server = createServer(
    { maxHeaderSize: 256 * 1024, keepAliveTimeout: 65_000, requestTimeout: 60_000 },
    requireCallerToken(
      config.filter.apiToken,
      scanFirst(app.get(ScanController), adapter.getInstance()),
      () => services.metrics.unauthorized.inc(),
    ),
  );
  const inFlight = trackRequests(server);
  return {
    app,
    services,
    bayesModel,
    server,
    listen: (port = config.filter.port, host = config.filter.host) =>
      new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const a = server.address() as AddressInfo;
          resolve(`http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`);
        });
      }),
    close: async () => {
      // Stop accepting; let the requests in flight be answered (a scan ends by its deadline), then drop the
      // keep-alive connections that are left.
      await new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
        void inFlight.settled(config.filter.deadlineMs + 1000).then(() => server.closeAllConnections());
      });
      // The consumers stop side by side: each waits for its handler in progress and leaves its group, which on a busy
      // broker can take seconds; one after another they outlasted a 15 s stop under load.
      await Promise.all([events?.close(), bayesModel?.close(), logisticLoader?.close()]);
      campaigns?.close();
      await outbound?.close();
      await services.close();
      await app.close();
      await database?.close();
      await bus?.close();
      await ownCounters?.close();
    },
  };
}

/**
 * POST /v1/scan, the route Haraka calls for every message, goes straight to its controller; every other request to
 * Nest's Express app. The scan route reads its own body and writes its own JSON, so Express' router and Nest's
 * execution context added nothing to it but 6% of a scan's CPU (profile of `bench -- scan`). The route stays
 * declared on the controller (OpenAPI, and any server built from the Nest app alone).
 */
function scanFirst(scan: ScanController, rest: RequestListener): RequestListener {
  return (req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/scan') return rest(req, res);
    scan.scan(req, res).catch((err: unknown) => {
      // What Nest's exception handler would log and answer for a bug below the controller's own handling.
      new Logger('ScanController').error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      if (!res.headersSent) send(res, 500, { statusCode: 500, message: 'Internal server error' });
      else res.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  };
}

/** Counts a server's requests still being answered; `settled` resolves when none are (or after `maxMs`). */
function trackRequests(server: Server): { settled(maxMs: number): Promise<void> } {
  let active = 0;
  const waiters: (() => void)[] = [];
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    active++;
    res.once('close', () => {
      active--;
      if (active === 0) for (const w of waiters.splice(0)) w();
    });
  });
  return {
    settled: (maxMs) =>
      new Promise<void>((resolve) => {
        if (active === 0) return resolve();
        const timer = setTimeout(resolve, maxMs);
        timer.unref();
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
