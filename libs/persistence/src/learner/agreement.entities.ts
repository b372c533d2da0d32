import { Entity, Index, PrimaryColumn } from 'typeorm';
import { BooleanColumn, IntegerColumn, TimestampColumn, VarcharColumn } from '../entities/column-types';

/**
 * A user's or a domain's answer to "may my marks train the shared model?" (the global layer and campaigns). A user's
 * own answer wins; without one their domain's policy decides; without either the answer is no. Stored apart from
 * user_account and domain so that the choice has its own history columns (who changed it, when).
 */
@Entity('sharing_consent')
export class SharingConsentEntity {
  /** 'user' or 'domain'. */
  @PrimaryColumn({ type: 'varchar', length: 8 }) scope!: 'user' | 'domain';
  @PrimaryColumn({ type: 'varchar', length: 36 }) scopeId!: string;
  @BooleanColumn() share!: boolean;
  @TimestampColumn() updatedAt!: Date;
  /** The key prefix (or 'operator') that set it. */
  @VarcharColumn(64) updatedBy!: string;
}

/**
 * How far a user's marks agreed with what the filter was confident of, or with other users (apps/api learner-rules
 * trustOf): marks that agreed and marks that contradicted it. Written only by the learner partition of that user.
 */
@Entity('learner_trust')
export class LearnerTrustEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) userId!: string;
  @IntegerColumn() agreed!: number;
  @IntegerColumn() disagreed!: number;
  @TimestampColumn() updatedAt!: Date;
}

/**
 * One vote on a message's campaign: a consenting user's active mark (either label) or an ARF complaint, with the
 * message's MinHash signature (libs/bayes campaign-signature.ts, hex: hashes only, no text). `voter` is the user id,
 * or `arf:<complaint id>`; `eventId` the mark's event id or `arf:<complaint id>`. Deleted when the mark is undone or
 * corrected; older than LEARNER_CAMPAIGN_DAYS it no longer counts.
 */
@Entity('campaign_mark')
@Index('idx_campaign_mark_created', ['createdAt'])
export class CampaignMarkEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) eventId!: string;
  @VarcharColumn(64) voter!: string;
  @VarcharColumn(8) label!: 'spam' | 'ham';
  @VarcharColumn(256) signature!: string;
  @TimestampColumn() createdAt!: Date;
}

/**
 * The LSH band keys of each campaign_mark (libs/bayes signatureBands): candidates are found by band, the newest first.
 * The vote's time is part of the key, so the primary key alone answers "the newest votes of this band" and a vote's
 * rows are deleted by (its bands, its time, its id): one index per row, 8 rows per vote, on the learner's hot path.
 */
@Entity('campaign_band')
export class CampaignBandEntity {
  @PrimaryColumn({ type: 'integer' }) bandKey!: number;
  @PrimaryColumn({ type: Date }) createdAt!: Date;
  @PrimaryColumn({ type: 'varchar', length: 64 }) eventId!: string;
}

/** A confirmed campaign: enough distinct voters marked near-copies spam. Every filter holds the active ones. */
@Entity('campaign')
export class CampaignEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @VarcharColumn(256) signature!: string;
  /** Distinct voters when it was last counted. */
  @IntegerColumn() voters!: number;
  @TimestampColumn() createdAt!: Date;
  @TimestampColumn() updatedAt!: Date;
}
