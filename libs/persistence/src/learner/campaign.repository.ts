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
    const params: Record<string, unknown> = { e: vote.eventId, t: now };
    const values = [...new Set(bands)].map((b, i) => {
      params[`b${i}`] = b;
      return `(:b${i}, :e, :t)`;
    });
    await queryRows(
      this.m,
      `INSERT INTO campaign_band (band_key, event_id, created_at) VALUES ${values.join(',')} ON CONFLICT DO NOTHING`,
      params,
    );
  }

  /** Deletes a vote (its band rows by `bands`, the bands of its signature); returns it (null: there was none). */
  async removeVote(
    eventId: string,
    bandsOf: (signature: string) => readonly number[],
  ): Promise<CampaignVote | null> {
    const [row] = await queryRows<{
      event_id: string;
      voter: string;
      label: 'spam' | 'ham';
      signature: string;
      created_at: Date | string;
    }>(
      this.m,
      'SELECT event_id, voter, label, signature, created_at FROM campaign_mark WHERE event_id = :e',
      { e: eventId },
    );
    if (!row) return null;
    const bands = [...new Set(bandsOf(row.signature))];
    if (bands.length > 0)
      await queryRows(
        this.m,
        'DELETE FROM campaign_band WHERE band_key IN (:...bands) AND created_at = :t AND event_id = :e',
        {
          bands,
          t: row.created_at,
          e: eventId,
        },
      );
    await queryRows(this.m, 'DELETE FROM campaign_mark WHERE event_id = :e', { e: eventId });
    return { eventId: row.event_id, voter: row.voter, label: row.label, signature: row.signature };
  }

  /**
   * Votes sharing a band with `bands`, cast since `since` — at most the `perBand` newest of each band (candidates,
   * not yet checked for similarity). The cap bounds the work of a big campaign that thousands of users mark: the
   * rules need a few agreeing voters, never all of them.
   */
  async candidates(bands: readonly number[], since: Date, perBand = 12): Promise<CampaignVote[]> {
    if (bands.length === 0) return [];
    const unique = [...new Set(bands)];
    // PostgreSQL reads each band's newest rows straight from idx_campaign_band_newest (LATERAL … LIMIT); SQLite, the
    // embedded shape with few votes, ranks them.
    const pg = this.m.connection.options.type === 'postgres';
    const rows = await queryRows<{
      event_id: string;
      voter: string;
      label: 'spam' | 'ham';
      signature: string;
    }>(
      this.m,
      pg
        ? `SELECT v.event_id, v.voter, v.label, v.signature
             FROM unnest(ARRAY[:...bands]::integer[]) AS k(band)
             CROSS JOIN LATERAL (SELECT event_id FROM campaign_band
                                  WHERE band_key = k.band AND created_at >= :since
                                  ORDER BY created_at DESC LIMIT :perBand) b
             JOIN campaign_mark v ON v.event_id = b.event_id`
        : `SELECT event_id, voter, label, signature FROM (
             SELECT v.event_id, v.voter, v.label, v.signature,
                    ROW_NUMBER() OVER (PARTITION BY b.band_key ORDER BY b.created_at DESC, b.event_id) AS n
               FROM campaign_band b JOIN campaign_mark v ON v.event_id = b.event_id
              WHERE b.band_key IN (:...bands) AND b.created_at >= :since) ranked
            WHERE n <= :perBand`,
      { bands: unique, since, perBand },
    );
    const seen = new Set<string>();
    const out: CampaignVote[] = [];
    for (const r of rows) {
      if (seen.has(r.event_id)) continue;
      seen.add(r.event_id);
      out.push({ eventId: r.event_id, voter: r.voter, label: r.label, signature: r.signature });
    }
    return out;
  }

  async campaigns(): Promise<StoredCampaign[]> {
    return queryRows<StoredCampaign>(
      this.m,
      'SELECT id, signature, voters FROM campaign ORDER BY created_at, id',
    );
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
    const old = await queryRows<{ id: string }>(this.m, 'SELECT id FROM campaign WHERE updated_at < :b', {
      b: before,
    });
    await queryRows(this.m, 'DELETE FROM campaign WHERE updated_at < :b', { b: before });
    await queryRows(this.m, 'DELETE FROM campaign_band WHERE created_at < :b', { b: before });
    await queryRows(this.m, 'DELETE FROM campaign_mark WHERE created_at < :b', { b: before });
    return old.map((r) => r.id);
  }
}
