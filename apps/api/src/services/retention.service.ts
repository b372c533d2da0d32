import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import {
  DeliveryResultRepository,
  MarkRequestRepository,
  ProcessedEventRepository,
  ScanRecordRepository,
} from '@spamfilter/persistence';
import { DataSource } from 'typeorm';
import { API_APP_CONFIG } from '../api-config.token';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** First run after start-up: not during the start itself, but soon enough that a restart loop still purges. */
const FIRST_RUN_MS = 60_000;

export interface RetentionRun {
  readonly verdicts: number;
  readonly processedEvents: number;
  readonly markRequests: number;
  /** Next-hop answers of outbound mail, kept as long as the verdicts they belong to. */
  readonly deliveryResults: number;
}

/**
 * Keeps the tables that grow with traffic bounded: the message log (verdicts, MESSAGE_LOG_RETENTION_DAYS) and the
 * consumers' processed event ids (PROCESSED_EVENT_RETENTION_DAYS, longer than the bus keeps an event, so a
 * redelivery is still recognised) and the idempotency keys of raw marks (MARK_REQUEST_RETENTION_DAYS). Runs hourly in every API instance; the deletes are idempotent, so two instances
 * doing it at once only repeat work. (The outbox is trimmed by its relay.)
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(RetentionService.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly scans: ScanRecordRepository,
    private readonly processed: ProcessedEventRepository,
    private readonly markRequests: MarkRequestRepository,
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    const schedule = (delay: number): void => {
      this.timer = setTimeout(() => {
        void this.runOnce().finally(() => {
          if (this.timer) schedule(HOUR_MS);
        });
      }, delay);
      this.timer.unref();
    };
    schedule(FIRST_RUN_MS);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Deletes what is past its retention as of `now`; a failure is logged and the next run tries again. */
  async runOnce(now = new Date()): Promise<RetentionRun> {
    const before = (days: number): Date => new Date(now.getTime() - days * DAY_MS);
    try {
      const verdicts = await this.scans.purgeOlderThan(before(this.config.api.messageLogRetentionDays));
      const deliveryResults = await new DeliveryResultRepository(this.db).purgeOlderThan(
        before(this.config.api.messageLogRetentionDays),
      );
      const processedEvents = await this.processed.purgeOlderThan(
        before(this.config.api.processedEventRetentionDays),
      );
      const markRequests = await this.markRequests.purgeOlderThan(
        before(this.config.api.markRequestRetentionDays),
      );
      if (verdicts + processedEvents + markRequests + deliveryResults > 0)
        this.log.log(
          `retention: deleted ${verdicts} verdicts, ${deliveryResults} delivery results, ${processedEvents} processed event ids, ${markRequests} mark request keys`,
        );
      return { verdicts, processedEvents, markRequests, deliveryResults };
    } catch (err) {
      this.log.warn(`retention run failed: ${err instanceof Error ? err.message : String(err)}`);
      return { verdicts: 0, processedEvents: 0, markRequests: 0, deliveryResults: 0 };
    }
  }
}
