import { campaignChangeOf, decodeSignature, SignatureIndex } from '@spamfilter/bayes';
import type { ModelChangeEvent } from '@spamfilter/domain';
import { CampaignRepository } from '@spamfilter/persistence';
import type { CampaignSource } from '../checks/campaign/campaign.check';
import type { FilterDatabase } from './persistence/filter-database';

export interface CampaignIndexOptions {
  /** Share of equal MinHash values that makes a near-copy (LEARNER_CAMPAIGN_SIMILARITY: the learner's own). */
  readonly similarity: number;
  /** Full reload from the campaign table this often: heals a missed event (and runs without a bus). */
  readonly reloadMs: number;
}

/**
 * The active campaigns in this filter's memory (a few hundred signatures, 128 bytes each): loaded from the campaign
 * table at start and every `reloadMs`, kept current in between by 'campaign' events on spamfilter.model.v1, which
 * arrive within the feedback loop's latency — a campaign confirmed by a third user's mark tags the next near-copy on
 * every instance. Adds and removes are idempotent by id; an event that arrives while a reload reads is applied after
 * it, over the snapshot.
 */
export class CampaignIndex implements CampaignSource {
  private readonly index = new SignatureIndex<number>();
  private timer: NodeJS.Timeout | null = null;
  private loading: Promise<void> | null = null;
  private readonly held: ModelChangeEvent[] = [];
  loads = 0;

  constructor(
    private readonly database: FilterDatabase,
    private readonly options: CampaignIndexOptions,
  ) {}

  get size(): number {
    return this.index.size;
  }

  match(signature: Uint32Array): { id: string; voters: number; similarity: number } | null {
    const m = this.index.match(signature, this.options.similarity);
    return m ? { id: m.id, voters: m.value, similarity: m.similarity } : null;
  }

  start(): void {
    void this.reload();
    this.timer = setInterval(() => void this.reload(), this.options.reloadMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  apply(event: ModelChangeEvent): void {
    if (event.kind !== 'campaign') return;
    if (this.loading) {
      this.held.push(event);
      return;
    }
    const change = campaignChangeOf(event.payload);
    if (!change) return;
    if (change.op === 'remove') this.index.delete(change.id);
    else {
      const sig = decodeSignature(change.signature);
      if (sig) this.index.set(change.id, sig, change.voters);
    }
  }

  /** Replaces the index with the campaign table's rows; a failure keeps the current index (retried next time). */
  reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const rows = await new CampaignRepository(this.database.repos().dataSource.manager).campaigns();
        this.index.clear();
        for (const r of rows) {
          const sig = decodeSignature(r.signature);
          if (sig) this.index.set(r.id, sig, Number(r.voters));
        }
        this.loads++;
      } catch {
        // The database is down or not connected yet: keep what we have.
      }
    })().finally(() => {
      this.loading = null;
      for (const e of this.held.splice(0)) this.apply(e);
    });
    return this.loading;
  }
}
