import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface DatabaseHealthReport {
  readonly status: 'up' | 'down';
  /** "postgres" / "better-sqlite3", or one line saying what failed (no credentials). */
  readonly detail: string;
  readonly latencyMs: number;
}

/** Readiness of the database: a `select 1` round trip, bounded by a timeout so a hung server reads as down. */
@Injectable()
export class DatabaseHealth {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async health(timeoutMs = 2000): Promise<DatabaseHealthReport> {
    const started = performance.now();
    const elapsed = (): number => Math.round((performance.now() - started) * 10) / 10;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (!this.dataSource.isInitialized)
        return { status: 'down', detail: 'database: not connected', latencyMs: 0 };
      await Promise.race([
        this.dataSource.query('SELECT 1 AS ok'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return { status: 'up', detail: this.dataSource.options.type, latencyMs: elapsed() };
    } catch (err) {
      const line = (err instanceof Error ? err.message : String(err))
        .split('\n')[0]
        .replace(/postgres(ql)?:\/\/[^\s@/]*@/g, 'postgres://***@');
      return { status: 'down', detail: `database: ${line}`, latencyMs: elapsed() };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
