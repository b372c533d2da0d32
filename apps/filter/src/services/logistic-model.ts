import {
  OnlineLogistic,
  decodeLogisticWeights,
  featuresMatch,
  logisticModelConfig,
  logisticOptionsOf,
  readLogisticModelConfig,
  type SpamClassifier,
} from '@spamfilter/bayes';
import type { ModelChangeEvent } from '@spamfilter/domain';
import { LogisticSnapshotRepository } from '@spamfilter/persistence';
import type { FilterDatabase } from './persistence/filter-database';

export interface LogisticLoaderOptions {
  /** How often to look for a newer snapshot besides the events (LOGISTIC_POLL_MS). */
  readonly pollMs: number;
  /** Retry after a failed load this soon (capped by pollMs), so a database that comes up late is caught early. */
  readonly retryMs?: number;
}

export interface LogisticLoaderStats {
  loads: number;
  failures: number;
  /** Snapshots trained for other features than this filter extracts (a configuration mismatch). */
  refused: number;
}

/**
 * Keeps a filter's classifier on the newest snapshot of the global logistic component (written by apps/api
 * LogisticTrainer into logistic_snapshot). Loads at start, when a 'logistic' ModelChangeEvent names a newer version,
 * and every `pollMs` (a missed event, or no bus). Until a snapshot is installed the classifier scores with Bayes
 * alone (`discriminative: null`). Loading runs beside the scans and never blocks one: the swap is one assignment
 * (SpamClassifier.useLogistic) once the weights are decoded. A snapshot that cannot be read, does not decode or was
 * trained for other features (BAYES_LR_BITS or the feature set differ from this filter's) is not installed: the
 * previous weights stay.
 */
export class LogisticSnapshotLoader {
  private installed: number | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;
  private lastRefused: number | null = null;
  readonly stats: LogisticLoaderStats = { loads: 0, failures: 0, refused: 0 };
  lastError: string | null = null;

  constructor(
    private readonly classifier: SpamClassifier,
    private readonly database: FilterDatabase,
    private readonly options: LogisticLoaderOptions,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  /** The installed snapshot's version (null: none yet, Bayes alone). */
  get version(): number | null {
    return this.installed;
  }

  /** First load in the background, then the poll. */
  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.pollMs);
    this.timer.unref();
  }

  /** A model change from spamfilter.model.v1; other kinds and versions already installed are ignored. */
  onEvent(event: ModelChangeEvent): void {
    if (event.kind !== 'logistic') return;
    if (this.installed !== null && event.version <= this.installed) return;
    void this.refresh();
  }

  /**
   * Installs the newest snapshot if it is newer than the installed one. Concurrent calls share one load (and a call
   * during a load runs once more after it, so an event that arrives mid-load is not lost). Never rejects.
   */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.loadNewest();
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retry) clearTimeout(this.retry);
    await this.running;
  }

  private async loadNewest(): Promise<void> {
    if (this.closed) return;
    try {
      const own = logisticModelConfig(this.classifier.options);
      if (!own) return;
      const repo = new LogisticSnapshotRepository(this.database.repos().dataSource);
      const latest = await repo.latest();
      if (!latest || (this.installed !== null && latest.version <= this.installed)) return;
      const trained = readLogisticModelConfig(latest.config);
      if (!trained || !featuresMatch(trained, own)) {
        if (this.lastRefused !== latest.version) {
          this.lastRefused = latest.version;
          this.stats.refused++;
          this.warn(
            `logistic snapshot ${latest.version} not installed: trained for ${JSON.stringify(latest.config)}, this filter extracts ${own.features} at ${own.bits} bits`,
          );
        }
        return;
      }
      const row = await repo.load(latest.version);
      if (!row) return; // pruned in between: the next event or poll finds its successor
      const weights = decodeLogisticWeights(row.weights, trained.bits);
      this.classifier.useLogistic(new OnlineLogistic(logisticOptionsOf(trained), weights));
      this.installed = row.version;
      this.stats.loads++;
      this.lastError = null;
    } catch (err) {
      this.stats.failures++;
      this.lastError = err instanceof Error ? err.message : String(err);
      if (!this.closed && !this.retry) {
        this.retry = setTimeout(
          () => {
            this.retry = null;
            void this.refresh();
          },
          Math.min(this.options.retryMs ?? 5000, this.options.pollMs),
        );
        this.retry.unref();
      }
    }
  }
}
