import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import type { LogConfig } from '@spamfilter/config';
import { hostname } from 'node:os';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import { currentLogFields } from './log-context';
import { prettyDestination } from './pretty-line';

const NEST_TO_PINO: Readonly<Record<NestLogLevel, Level>> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** Most verbose first: the lowest level a Nest level list enables. */
const PINO_ORDER: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/**
 * Nest's own start-up lines ("Mapped {/health, GET} route", "ApiModule dependencies initialized", "Nest application
 * successfully started"): about 30 per app and nothing an operator acts on, so they are written at debug.
 */
export const NEST_STARTUP_CONTEXTS: ReadonlySet<string> = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/** A V8 stack trace as Nest passes it to error() (ConsoleLogger's own test). */
const STACK = /^(.)+\n\s+at .+:\d+:\d+/;

export interface PinoLoggerOptions {
  readonly level: LogConfig['level'];
  readonly format: LogConfig['format'];
  /** Which process writes ('filter', 'api'): a field of every line. */
  readonly app: string;
  /** Where lines go; default stdout (synchronous writes: a crash loses no line, and lines keep their order). */
  readonly destination?: DestinationStream;
}

/**
 * Nest's LoggerService backed by pino: every `new Logger(context)` line and every line Nest writes itself goes out
 * as ONE JSON object — `level` (a name), `time` (ISO 8601), `app`, `pid`, `hostname`, `context`, `msg` — plus the
 * fields of the log scope it was written in (withLogFields: `reference` of a scan, `eventId` of a Kafka event) and
 * the fields of an object message (`log.warn({ msg: '…', reference })`). Errors carry `stack`.
 *
 * Nest's calling convention (as its ConsoleLogger reads it): the last string argument after the message is the
 * context; for error(), a string before the context that looks like a stack trace is the stack.
 */
export class PinoLoggerService implements LoggerService {
  readonly pino: Logger;

  constructor(options: PinoLoggerOptions) {
    const destination =
      options.destination ??
      (options.format === 'pretty'
        ? prettyDestination(process.stdout)
        : pino.destination({ dest: 1, sync: true }));
    this.pino = pino(
      {
        level: options.level,
        base: { app: options.app, pid: process.pid, hostname: hostname() },
        messageKey: 'msg',
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        mixin: () => ({ ...currentLogFields() }),
      },
      destination,
    );
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /**
   * Nest's `logger: ['error', 'warn']` on an app created after this logger became Nest's: the most verbose level in
   * the list becomes pino's level (pino has a threshold, not a set).
   */
  setLogLevels(levels: NestLogLevel[]): void {
    const wanted = levels.map((l) => NEST_TO_PINO[l]);
    this.pino.level = PINO_ORDER.find((l) => wanted.includes(l)) ?? 'silent';
  }

  private write(level: Level, message: unknown, params: readonly unknown[]): void {
    const args = [...params];
    let context: string | undefined;
    if (args.length > 0 && typeof args[args.length - 1] === 'string') context = args.pop() as string;
    // error(message, stack?, context): Nest passes `undefined` for a missing stack.
    let stack: string | undefined;
    if (level === 'error' || level === 'fatal') {
      const first = args[0];
      if (args.length > 0 && (first === undefined || (typeof first === 'string' && STACK.test(first)))) {
        args.shift();
        stack = first as string | undefined;
      }
    }
    if (context !== undefined && level === 'info' && NEST_STARTUP_CONTEXTS.has(context)) level = 'debug';
    if (!this.pino.isLevelEnabled(level)) return;

    const fields: Record<string, unknown> = {};
    let msg: string;
    if (message instanceof Error) {
      msg = message.message;
      stack ??= message.stack;
    } else if (isPlainObject(message)) {
      const { msg: m, message: mm, ...rest } = message;
      Object.assign(fields, rest);
      msg = typeof m === 'string' ? m : typeof mm === 'string' ? mm : '';
    } else {
      msg = typeof message === 'string' ? message : String(message);
    }
    const extra: unknown[] = [];
    for (const a of args) {
      if (a === undefined) continue;
      if (isPlainObject(a)) Object.assign(fields, a);
      else if (a instanceof Error) stack ??= a.stack;
      else extra.push(a);
    }
    if (context !== undefined) fields.context = context;
    if (stack !== undefined) fields.stack = stack;
    if (extra.length > 0) fields.args = extra;
    this.pino[level](fields, msg);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The logger of one process from LOG_FORMAT and LOG_LEVEL (libs/config). */
export function createLogger(
  config: LogConfig,
  app: string,
  destination?: DestinationStream,
): PinoLoggerService {
  return new PinoLoggerService({ ...config, app, ...(destination ? { destination } : {}) });
}
