import type { DatabaseConfig } from '@spamfilter/config';
import {
  DatabaseHealth,
  ListRepository,
  PolicyRepository,
  ScanRecordRepository,
  UserRepository,
  openDataSource,
} from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';

export interface FilterRepositories {
  readonly dataSource: DataSource;
  readonly scans: ScanRecordRepository;
  readonly lists: ListRepository;
  readonly policies: PolicyRepository;
  readonly users: UserRepository;
  readonly health: DatabaseHealth;
}

export class DatabaseUnavailableError extends Error {
  constructor(detail: string) {
    super(`database not connected: ${detail}`);
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * The filter's database connection, opened in the background: the filter starts and scans even when the database is
 * down (DESIGN.md: never the reason mail is lost). Until connected, `repos()` throws DatabaseUnavailableError — the
 * message log buffers, lists and policy layers read as empty (the pipeline's LISTS_TEMPFAIL says so) — and the
 * connection is retried every `retryMs`.
 */
export class FilterDatabase {
  private current: FilterRepositories | null = null;
  private lastError = 'connecting';
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    readonly config: DatabaseConfig,
    private readonly retryMs = 5000,
    opened?: DataSource,
  ) {
    if (opened) this.current = FilterDatabase.wrap(opened);
  }

  static wrap(dataSource: DataSource): FilterRepositories {
    return {
      dataSource,
      scans: new ScanRecordRepository(dataSource),
      lists: new ListRepository(dataSource),
      policies: new PolicyRepository(dataSource),
      users: new UserRepository(dataSource),
      health: new DatabaseHealth(dataSource),
    };
  }

  /** Starts connecting; resolves after the first attempt (connected or not). */
  async start(): Promise<void> {
    if (this.current || this.closed) return;
    try {
      this.current = FilterDatabase.wrap(await openDataSource(this.config));
    } catch (err) {
      this.lastError = err instanceof Error ? err.message.split('\n')[0] : String(err);
      if (!this.closed) {
        this.timer = setTimeout(() => void this.start(), this.retryMs);
        this.timer.unref();
      }
    }
  }

  repos(): FilterRepositories {
    if (!this.current) throw new DatabaseUnavailableError(this.lastError);
    return this.current;
  }

  async health(): Promise<{ state: 'up' | 'down'; detail: string }> {
    if (!this.current) return { state: 'down', detail: this.lastError };
    const h = await this.current.health.health(1000);
    return { state: h.status, detail: h.detail };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.current?.dataSource.isInitialized) await this.current.dataSource.destroy();
  }
}
