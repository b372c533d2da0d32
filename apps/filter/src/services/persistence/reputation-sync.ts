import { ReputationRepository } from '@spamfilter/persistence';
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

  constructor(
    private readonly db: FilterDatabase,
    private readonly reputation: ReputationService,
    private readonly intervalMs = 5000,
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
    try {
      const repo = new ReputationRepository(this.db.repos().dataSource);
      if (deltas.length > 0) {
        const saved = await repo.applyDeltas(deltas, this.reputation.halfLifeMs, now);
        this.reputation.load(saved.map((r) => ({ key: r.key, spam: r.spam, ham: r.ham, at: r.updatedAt.getTime() })));
      }
      if (wanted.length > 0) {
        const rows = await repo.get(wanted);
        this.reputation.load([...rows.values()].map((r) => ({ key: r.key, spam: r.spam, ham: r.ham, at: r.updatedAt.getTime() })));
      }
    } catch {
      this.reputation.restoreDeltas(deltas);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.running) await this.running;
    await this.syncOnce().catch(() => undefined);
  }
}
