import type { Action, Direction, Disposition, ScoredSymbol, SmtpReply } from '@spamfilter/domain';

/** One message-log row and its per-recipient rows, as the persistence ScanRecordRepository stores them. */
export interface ScanLogRecord {
  readonly reference: string;
  readonly createdAt: Date;
  readonly direction: Direction;
  readonly clientIp: string;
  readonly helo: string;
  readonly mailFrom: string;
  readonly authUser: string | null;
  readonly queueId: string | null;
  readonly headerFrom: string | null;
  readonly subject: string | null;
  readonly messageFingerprint: string;
  readonly size: number;
  readonly action: Action;
  readonly score: number;
  readonly symbols: readonly ScoredSymbol[];
  readonly smtpReply: SmtpReply;
  readonly headers: readonly (readonly [string, string])[];
  /** What the learner needs to retrain on this message later (owned by the learning core). */
  readonly training: Readonly<Record<string, unknown>> | null;
  readonly elapsedMs: number;
  readonly recipients: readonly {
    readonly recipient: string;
    readonly action: Action;
    readonly score: number;
    readonly symbols: readonly ScoredSymbol[];
    readonly reason: string;
    readonly disposition: Disposition;
  }[];
}

/** Port: the message log (persistence's ScanRecordRepository in production). */
export interface ScanLogSink {
  writeBatch(records: readonly ScanLogRecord[]): Promise<void>;
  /** Called once by the writer's close(), after the last batch (a thread of its own ends here). */
  close?(): Promise<void>;
}

export interface ScanLogStats {
  readonly buffered: number;
  readonly written: number;
  readonly dropped: number;
  readonly failedBatches: number;
  readonly lastError: string | null;
  readonly healthy: boolean;
}

export interface ScanLogOptions {
  readonly batchSize: number;
  readonly flushMs: number;
  readonly bufferMax: number;
}

/**
 * Writes scan records off the answer's path: `enqueue` is synchronous and O(1); a timer writes batches. When the
 * database is down the buffer holds up to `bufferMax` records and retries with backoff; past that, the oldest records
 * are dropped and counted (a metric and /health show it) — the scan never waits on, or fails because of, the log.
 */
export class ScanLogWriter {
  private buffer: ScanLogRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private written = 0;
  private dropped = 0;
  private failedBatches = 0;
  private lastError: string | null = null;
  private backoffMs = 0;
  private closed = false;
  onDrop: (n: number) => void = () => undefined;

  constructor(
    private readonly sink: ScanLogSink | null,
    private readonly options: ScanLogOptions,
  ) {}

  /** False without a sink: callers can skip building records. */
  get enabled(): boolean {
    return this.sink !== null && !this.closed;
  }

  enqueue(record: ScanLogRecord): void {
    if (!this.sink || this.closed) return;
    if (this.buffer.length >= this.options.bufferMax) {
      this.buffer.shift();
      this.dropped++;
      this.onDrop(1);
    }
    this.buffer.push(record);
    if (this.buffer.length >= this.options.batchSize && !this.flushing && this.backoffMs === 0) this.kick(0);
    else if (!this.timer) this.kick(Math.max(this.options.flushMs, this.backoffMs));
  }

  stats(): ScanLogStats {
    return {
      buffered: this.buffer.length,
      written: this.written,
      dropped: this.dropped,
      failedBatches: this.failedBatches,
      lastError: this.lastError,
      healthy: this.sink === null || this.backoffMs === 0,
    };
  }

  /** Writes everything still buffered (shutdown, tests); gives up on a failing sink after one attempt per batch. */
  async drain(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.flushing) await this.flushing;
    while (this.buffer.length > 0) {
      const ok = await this.flushOnce();
      if (!ok) break;
    }
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.sink?.close?.();
  }

  private kick(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.flushing) return;
      this.flushing = this.flushOnce().then(() => {
        this.flushing = null;
        if (this.buffer.length > 0 && !this.closed)
          this.kick(
            this.backoffMs || (this.buffer.length >= this.options.batchSize ? 0 : this.options.flushMs),
          );
      });
    }, delay);
    this.timer.unref();
  }

  private async flushOnce(): Promise<boolean> {
    if (!this.sink || this.buffer.length === 0) return true;
    const batch = this.buffer.splice(0, this.options.batchSize);
    try {
      await this.sink.writeBatch(batch);
      this.written += batch.length;
      this.backoffMs = 0;
      this.lastError = null;
      return true;
    } catch (err) {
      this.failedBatches++;
      this.lastError = err instanceof Error ? err.message.slice(0, 200) : String(err);
      // Put the batch back at the front, within the bound; what does not fit is dropped and counted.
      const room = this.options.bufferMax - this.buffer.length;
      const keep = batch.slice(Math.max(0, batch.length - room));
      const lost = batch.length - keep.length;
      if (lost > 0) {
        this.dropped += lost;
        this.onDrop(lost);
      }
      this.buffer = [...keep, ...this.buffer];
      this.backoffMs = Math.min(30_000, Math.max(500, this.backoffMs * 2));
      return false;
    }
  }
}
