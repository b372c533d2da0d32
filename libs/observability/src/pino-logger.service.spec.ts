import { Logger } from '@nestjs/common';
import { unscoped, withLogFields } from './log-context';
import { createLogger, PinoLoggerService } from './pino-logger.service';

/** A logger whose lines land in `lines`, parsed (each write is one JSON record). */
function capture(level: 'info' | 'debug' | 'warn' = 'info'): {
  logger: PinoLoggerService;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ format: 'json', level }, 'test', {
    write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>),
  });
  return { logger, lines };
}

describe('PinoLoggerService', () => {
  afterEach(() => Logger.overrideLogger(false));

  it("writes a Nest Logger's line as one JSON object: level name, ISO time, app, context, msg", () => {
    const { logger, lines } = capture();
    Logger.overrideLogger(logger);
    new Logger('OutboxRelayService').warn('bus unreachable');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      app: 'test',
      context: 'OutboxRelayService',
      msg: 'bus unreachable',
      pid: process.pid,
    });
    expect(String(lines[0]!.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('adds the reference and eventId of the scope the line is written in, across awaits and timers', async () => {
    const { logger, lines } = capture();
    Logger.overrideLogger(logger);
    const log = new Logger('ScanService');
    await withLogFields({ reference: '01JREF' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      log.log('inside the scan');
      await withLogFields({ eventId: 'ev-1' }, () =>
        Promise.resolve(log.warn('inside an event of the scan')),
      );
    });
    log.log('outside');
    expect(lines.map((l) => [l.msg, l.reference, l.eventId])).toEqual([
      ['inside the scan', '01JREF', undefined],
      ['inside an event of the scan', '01JREF', 'ev-1'],
      ['outside', undefined, undefined],
    ]);
  });

  it("takes an object message's fields (msg + reference / eventId), over the scope's", () => {
    const { logger, lines } = capture();
    withLogFields({ reference: 'outer' }, () =>
      logger.warn({ msg: 'mark skipped', eventId: 'ev-2', reference: 'inner' }, 'FeedbackConsumer'),
    );
    expect(lines[0]).toMatchObject({
      msg: 'mark skipped',
      eventId: 'ev-2',
      reference: 'inner',
      context: 'FeedbackConsumer',
    });
  });

  it("error(): a stack trace argument becomes `stack`, Nest's undefined placeholder is not a message, an Error is unpacked", () => {
    const { logger, lines } = capture();
    Logger.overrideLogger(logger);
    const err = new Error('boom');
    new Logger('ExceptionsHandler').error('boom', err.stack);
    new Logger('ScanController').error('no stack here');
    logger.error(err);
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'boom', context: 'ExceptionsHandler' });
    expect(String(lines[0]!.stack)).toContain('pino-logger.service.spec.ts');
    expect(lines[1]).toEqual(expect.objectContaining({ msg: 'no stack here', context: 'ScanController' }));
    expect(lines[1]).not.toHaveProperty('stack');
    expect(lines[2]).toMatchObject({ level: 'error', msg: 'boom', stack: err.stack });
  });

  it('honours LOG_LEVEL: below it nothing is written; debug and verbose map to debug and trace', () => {
    const warnOnly = capture('warn');
    warnOnly.logger.log('info line');
    warnOnly.logger.debug('debug line');
    warnOnly.logger.warn('warn line');
    expect(warnOnly.lines.map((l) => l.msg)).toEqual(['warn line']);

    const debug = capture('debug');
    debug.logger.debug('debug line');
    debug.logger.verbose('trace line');
    expect(debug.lines.map((l) => [l.level, l.msg])).toEqual([['debug', 'debug line']]);
  });

  it("writes Nest's own start-up lines at debug, so LOG_LEVEL=info shows only the product's", () => {
    const info = capture('info');
    Logger.overrideLogger(info.logger);
    new Logger('RoutesResolver').log('HealthController {/health}:');
    new Logger('Retention').log('retention: deleted 3 verdicts');
    expect(info.lines.map((l) => l.msg)).toEqual(['retention: deleted 3 verdicts']);

    const debug = capture('debug');
    debug.logger.log('Mapped {/health, GET} route', 'RouterExplorer');
    expect(debug.lines[0]).toMatchObject({ level: 'debug', context: 'RouterExplorer' });
  });

  it("follows Nest's level list (an app created with logger: ['error', 'warn'])", () => {
    const { logger, lines } = capture('debug');
    logger.setLogLevels(['error', 'warn']);
    logger.log('dropped');
    logger.warn('kept');
    expect(lines.map((l) => l.msg)).toEqual(['kept']);
  });
});

describe('unscoped', () => {
  it("writes without the scope's fields (a long-lived connection's lines)", () => {
    const { logger, lines } = capture();
    withLogFields({ reference: 'R1' }, () => {
      unscoped({
        log: (m: string) => logger.log(m, 'EventBus'),
        warn: () => undefined,
        error: () => undefined,
      }).log('broker reconnected');
      logger.log('scan line', 'ScanService');
    });
    expect(lines.map((l) => [l.context, l.reference])).toEqual([
      ['EventBus', undefined],
      ['ScanService', 'R1'],
    ]);
  });
});
