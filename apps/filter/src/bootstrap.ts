import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { AppConfig } from '@spamfilter/config';
import { FilterModule } from './filter.module';
import { FilterServices, type FilterDependencies } from './services/filter-services';
import { FilterDatabase } from './services/persistence/filter-database';

export interface FilterApp {
  readonly app: INestApplication;
  readonly services: FilterServices;
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
export async function createFilterApp(config: AppConfig, options: FilterDependencies & { readonly connectDatabase?: boolean } = {}): Promise<FilterApp> {
  const { connectDatabase, ...rest } = options;
  let deps: FilterDependencies = rest;
  let database: FilterDatabase | null = null;
  if (connectDatabase && !deps.database) {
    // Connects in the background: a database that is down delays nothing (see FilterDatabase).
    database = new FilterDatabase(config.database);
    await database.start();
    deps = { ...deps, database };
  }
  const adapter = new ExpressAdapter();
  const app = await NestFactory.create(FilterModule.forRoot(config.filter, deps), adapter, { bodyParser: false, logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.init();
  const services = app.get(FilterServices);
  const server = createServer({ maxHeaderSize: 256 * 1024, keepAliveTimeout: 65_000, requestTimeout: 60_000 }, adapter.getInstance());
  return {
    app,
    services,
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
      await new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await services.close();
      await app.close();
      await database?.close();
    },
  };
}
