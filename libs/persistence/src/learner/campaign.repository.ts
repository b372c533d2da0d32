import type { EntityManager } from 'typeorm';
import { queryRows } from '../transactions';

export interface CampaignVote {
  readonly eventId: string;
  /** A user id, or `arf:<complaint id>`. */
  readonly voter: string;
  readonly label: 'spam' | 'ham';
  /** libs/bayes encodeSignature text. */
  readonly signature: string;
}

export interface StoredCampaign {
  readonly id: string;
  readonly signature: string;
  readonly voters: number;
}

/**
 * Campaign votes and confirmed campaigns (agreement.entities.ts) through the caller's transaction: the learner's batch
 * or the complaint's. Candidates come by LSH band; the caller verifies similarity on the full signature.
 */
export class CampaignRepository {
  constructor(private readonly m: EntityManager) {}

  async addVote(vote: CampaignVote, bands: readonly number[], now: Date): Promise<void> {
    await queryRows(
      this.m,
      `INSERT INTO campaign_mark (event_id, voter, label, signature, created_at) VALUES (:e, :v, :l, :s, :t)
       ON CONFLICT (event_id) DO NOTHING`,
      { e: vote.eventId, v: vote.voter, l: vote.label, s: vote.signature, t: now },
    );
    const params: Record<string, unknown> = { e: vote.eventId };
    const values = [...new Set(bands)].map((b, i) => {
      params[`b${i}`] = b;
      return `(:b${i}, :e)`;
    });
    await queryRows(this.m, `INSERT INTO campaign_band (band_key, event_id) VALUES ${values.join(',')} ON CONFLICT DO NOTHING`, params);
  }

  /** Deletes a vote; returns it (null: there was none). */
  async removeVote(eventId: string): Promise<CampaignVote | null> {
    const [row] = await queryRows<{ event_id: string; voter: string; label: 'spam' | 'ham'; signature: string }>(
      this.m,
      'SELECT event_id, voter, label, signature FROM campaign_mark WHERE event_id = :e',
      { e: eventId },
    );
    if (!row) return null;
    await queryRows(this.m, 'DELETE FROM campaign_band WHERE event_id = :e', { e: eventId });
    await queryRows(this.m, 'DELETE FROM campaign_mark WHERE event_id = :e', { e: eventId });
    return { eventId: row.event_id, voter: row.voter, label: row.label, signature: row.signature };
  }

  /** Votes sharing a band with `bands`, cast since `since` (candidates: not yet checked for similarity). */
  async candidates(bands: readonly number[], since: Date): Promise<CampaignVote[]> {
    if (bands.length === 0) return [];
    const rows = await queryRows<{ event_id: string; voter: string; label: 'spam' | 'ham'; signature: string }>(
      this.m,
      `SELECT DISTINCT v.event_id, v.voter, v.label, v.signature FROM campaign_band b
         JOIN campaign_mark v ON v.event_id = b.event_id
        WHERE b.band_key IN (:...bands) AND v.created_at >= :since`,
      { bands: [...new Set(bands)], since },
    );
    return rows.map((r) => ({ eventId: r.event_id, voter: r.voter, label: r.label, signature: r.signature }));
  }

  async campaigns(): Promise<StoredCampaign[]> {
    return queryRows<StoredCampaign>(this.m, 'SELECT id, signature, voters FROM campaign ORDER BY created_at, id');
  }

  async saveCampaign(c: StoredCampaign, now: Date): Promise<void> {
    await queryRows(
      this.m,
      `INSERT INTO campaign (id, signature, voters, created_at, updated_at) VALUES (:id, :s, :n, :t, :t)
       ON CONFLICT (id) DO UPDATE SET voters = excluded.voters, updated_at = excluded.updated_at`,
      { id: c.id, s: c.signature, n: c.voters, t: now },
    );
  }

  async deleteCampaign(id: string): Promise<void> {
    await queryRows(this.m, 'DELETE FROM campaign WHERE id = :id', { id });
  }

  /** Votes and campaigns older than `before` (LEARNER_CAMPAIGN_DAYS); returns the ids of the campaigns removed. */
  async expire(before: Date): Promise<string[]> {
    const old = await queryRows<{ id: string }>(this.m, 'SELECT id FROM campaign WHERE updated_at < :b', { b: before });
    await queryRows(this.m, 'DELETE FROM campaign WHERE updated_at < :b', { b: before });
    await queryRows(
      this.m,
      'DELETE FROM campaign_band WHERE event_id IN (SELECT event_id FROM campaign_mark WHERE created_at < :b)',
      { b: before },
    );
    await queryRows(this.m, 'DELETE FROM campaign_mark WHERE created_at < :b', { b: before });
    return old.map((r) => r.id);
  }
}
