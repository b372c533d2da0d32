import { hostname } from 'node:os';
import type { ModelChangeEvent, ScanEnvelope, ScanVerdict } from '@spamfilter/domain';
import type { EventBus, ScanEvent, Subscription } from '@spamfilter/messaging';
import type { FilterServices } from './filter-services';

/** Publishes at most this many scan events at once; beyond it events are dropped and counted (never block scans). */
const MAX_IN_FLIGHT = 2000;

/**
 * The filter on the event bus: every verdict goes out on spamfilter.scans.v1 (fire-and-forget: a slow or absent
 * broker never delays an answer — the message log in the database is the record, the event is for statistics), and
 * model changes from spamfilter.model.v1 drop the caches they make stale (each instance its own consumer group,
 * starting at the end: it loads current state from the database).
 */
export class FilterEvents {
  private inFlight = 0;
  dropped = 0;
  failed = 0;
  private subscription: Subscription | null = null;
  private feedback: Subscription | null = null;
  /** Feedback events turned into reputation evidence (for tests and /health). */
  feedbackApplied = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly services: () => FilterServices,
    private readonly onBayesChange?: (event: ModelChangeEvent) => void,
  ) {}

  publishVerdict(verdict: ScanVerdict, envelope: ScanEnvelope): void {
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.dropped++;
      return;
    }
    this.inFlight++;
    void this.toEvent(verdict, envelope)
      .then((event) =>
        this.bus.publish(
          'spamfilter.scans.v1',
          event.recipients[0]?.userId ?? envelope.authUser ?? envelope.rcptTo[0] ?? 'unknown',
          event,
        ),
      )
      .catch(() => {
        this.failed++;
      })
      .finally(() => {
        this.inFlight--;
      });
  }

  async subscribe(): Promise<void> {
    this.subscription = await this.bus.subscribe(
      'spamfilter.model.v1',
      `filter-${hostname()}-${process.pid}`,
      (event) => {
        switch (event.kind) {
          case 'policy':
          case 'lists':
          case 'directory':
            this.services().invalidateCaches();
            // Counted here; 'bayes' and 'logistic' where they take effect (FilterBayesModel).
            this.services().metrics.modelChangeApplied(event);
            break;
          case 'bayes':
            this.onBayesChange?.(event);
            break;
          case 'reputation':
          case 'logistic': // snapshots are FilterBayesModel's (its own subscription loads them); nothing cached here
          case 'campaign': // the campaign index is FilterBayesModel's subscription's too
            break;
        }
        return Promise.resolve();
      },
      { fromBeginning: false },
    );
  }

  /**
   * User feedback feeds the reputation of the message's client IP, /24 and sender domain (weight 5 per mark, against
   * 1 for the filter's own verdicts). One consumer group for all filter instances, so each mark counts once; the
   * evidence reaches the shared reputation table through ReputationSync. Needs the message log (the mark names the
   * scan by reference). An undo is not subtracted: reputation decays anyway.
   */
  async subscribeFeedback(): Promise<void> {
    this.feedback = await this.bus.subscribe(
      'spamfilter.feedback.v1',
      'filter-reputation',
      async (event) => {
        if (event.kind !== 'learn' || !event.label || !event.reference) return;
        const db = this.services().database;
        if (!db) return;
        const found = await db.repos().scans.findByReference({ kind: 'operator' }, event.reference);
        if (!found || found.record.direction !== 'inbound') return;
        const r = found.record;
        const at = r.mailFrom.lastIndexOf('@');
        this.services().reputation.record(
          r.clientIp,
          at > 0 ? r.mailFrom.slice(at + 1).toLowerCase() : null,
          event.label,
          5,
        );
        this.feedbackApplied++;
      },
      {
        // A lookup that fails while the database is down is not the mark's fault: it waits instead of being
        // dead-lettered after MESSAGING_MAX_ATTEMPTS.
        dependencyHealthy: async () => (await this.services().database?.health())?.state !== 'down',
      },
    );
  }

  async close(): Promise<void> {
    await this.subscription?.stop();
    await this.feedback?.stop();
  }

  private async toEvent(v: ScanVerdict, e: ScanEnvelope): Promise<ScanEvent> {
    const dir = this.services().directory;
    let owners: Map<string, { userId: string | null } | null> = new Map();
    try {
      if (dir) owners = await dir.owners(v.recipients.map((r) => r.recipient));
    } catch {
      owners = new Map();
    }
    return {
      reference: v.reference,
      occurredAt: new Date().toISOString(),
      direction: e.direction,
      clientIp: e.clientIp,
      mailFrom: e.mailFrom,
      authUser: e.authUser ?? null,
      recipients: v.recipients.map((r) => ({
        recipient: r.recipient,
        userId: owners.get(r.recipient)?.userId ?? null,
        action: r.action,
        score: r.score,
      })),
      action: v.action,
      score: v.score,
    };
  }
}
