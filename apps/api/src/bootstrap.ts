import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '@spamfilter/config';
import { createLogger } from '@spamfilter/observability';
import { ApiModule, type ApiModuleOptions } from './api.module';

export interface CreateApiAppOptions extends ApiModuleOptions {
  /**
   * Nest logger setting; default: JSON lines (or pretty) at LOG_LEVEL from libs/observability. Tests pass false or a
   * level list (Nest's console logger).
   */
  readonly logger?: false | LogLevel[] | LoggerService;
}

/**
 * Builds the API (REST + OpenAPI, the outbox relay and — with LEARNER_ENABLED — the learner) and initialises it
 * without listening, so a launcher can run it in the same process as the filter (the embedded default shares the
 * process-wide in-memory bus). Call `app.listen(config.api.port, config.api.host)` or use startApiApp.
 */
export async function createApiApp(
  config: AppConfig,
  options: CreateApiAppOptions = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(config, options), {
    logger: options.logger ?? createLogger(config.log, 'api'),
    bodyParser: true,
  });
  // No "X-Powered-By: Express": nothing to gain from telling every client the framework.
  (app.getHttpAdapter().getInstance() as { disable(setting: string): void }).disable('x-powered-by');
  // Raw marks (POST /v1/marks/raw) arrive as the message itself, as IMAPSieve hooks post it.
  app.useBodyParser('raw', {
    type: ['message/rfc822', 'application/octet-stream', 'text/plain'],
    limit: config.api.maxRawMarkBytes,
  });
  // No app.enableShutdownHooks(): main.ts (and scripts/embedded.ts) stop on SIGTERM/SIGINT with app.close(), which runs
  // the shutdown hooks; Nest's own would re-raise the signal once Nest had closed, before the data source is closed.

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('spamfilter API')
      .setDescription(
        'Marks (spam / not spam), verdicts with reasons, users and API keys. Every call needs `Authorization: Bearer sf_<prefix>_<secret>` except /health.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'sf_<prefix>_<secret>' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  await app.init();
  return app;
}

/** createApiApp + listen on API_HOST:API_PORT; returns the base URL. */
export async function startApiApp(
  config: AppConfig,
  options: CreateApiAppOptions = {},
): Promise<{ app: INestApplication; url: string }> {
  const app = await createApiApp(config, options);
  await app.listen(config.api.port, config.api.host);
  return { app, url: await app.getUrl() };
}
