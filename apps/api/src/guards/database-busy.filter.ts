import { Catch, HttpStatus, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { DatabaseBusyError, isSqliteBusy } from '@spamfilter/persistence';

interface JsonResponse {
  status(code: number): JsonResponse;
  setHeader(name: string, value: string): void;
  json(body: unknown): void;
}

/**
 * A lock held by another connection is not a bug of the request: SQLite writes wait for it and retry within
 * DB_SQLITE_BUSY_TIMEOUT_MS (libs/persistence sqlite-locking.ts); when the lock is still held after that, the caller
 * gets 503 with Retry-After and tries again — never a 500. Registered as a global filter (APP_FILTER); everything
 * else goes to Nest's own handling.
 */
@Catch()
export class DatabaseBusyFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (!(exception instanceof DatabaseBusyError) && !isSqliteBusy(exception))
      return super.catch(exception, host);
    const res = host.switchToHttp().getResponse<JsonResponse>();
    res.setHeader('retry-after', '1');
    res.status(HttpStatus.SERVICE_UNAVAILABLE).json({
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: 'Service Unavailable',
      message: 'the database is busy; try again in a moment',
    });
  }
}
