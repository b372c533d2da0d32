import { ReputationRepository, type ReputationEntity } from '@spamfilter/persistence';
import type { ReputationService } from '../reputation.service';
import type { FilterDatabase } from './filter-database';

/**
 * Keeps the in-memory reputation (the hot path) and the reputation table (the backing store shared by every
 * instance) in step, off the scan path: every `intervalMs` the evidence added here is saved as deltas (decayed and
 * added under a row lock by the repository, so instances never overwrite each other), the stored rows come back and
 * replace memory, and keys scans asked for but did not have are loaded. A database that is down only delays this.
 */
export class ReputationSync {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  /**
   * `chunkKeys`: deltas saved per transaction. On SQLite a transaction runs on the event loop (better-sqlite3 is
   * synchronous): one transaction of ~2,500 keys (5 s at 500 msg/s) held it 22-60 ms, the worst pauses of a scan's
   * p99, so a sync saves its deltas in chunks and lets scans run between them.
   */
  constructor(
    private readonly db: FilterDatabase,
    private readonly reputation: ReputationService,
    private readonly intervalMs = 5000,
    private readonly chunkKeys = 200,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.syncOnce().finally(() => (this.running = null));
    }, this.intervalMs);
    this.timer.unref();
  }

  async syncOnce(now = new Date()): Promise<void> {
    const deltas = this.reputation.takeDeltas();
    const wanted = this.reputation.takeWanted();
    // Deltas before `saved` are in the table; a failure puts back only the rest, so nothing is counted twice.
    let saved = 0;
    try {
      const repo = new ReputationRepository(this.db.repos().dataSource);
      while (saved < deltas.length) {
        const chunk = deltas.slice(saved, saved + this.chunkKeys);
        const rows = await repo.applyDeltas(chunk, this.reputation.halfLifeMs, now);
        saved += chunk.length;
        this.loadRows(rows);
        if (saved < deltas.length) await new Promise((resolve) => setImmediate(resolve));
      }
      for (let i = 0; i < wanted.length; i += this.chunkKeys) {
        const rows = await repo.get(wanted.slice(i, i + this.chunkKeys));
        this.loadRows(rows.values());
      }
    } catch {
      this.reputation.restoreDeltas(deltas.slice(saved));
    }
  }

  /** Stored rows replace what memory holds for their keys. */
  private loadRows(rows: Iterable<ReputationEntity>): void {
    this.reputation.load(
      [...rows].map((r) => ({ key: r.key, spam: r.spam, ham: r.ham, at: r.updatedAt.getTime() })),
    );
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.running) await this.running;
    await this.syncOnce().catch(() => undefined);
  }
}
