import {
  campaignSignature,
  decodeSignature,
  encodeSignature,
  signatureBands,
  signatureSimilarity,
  type CampaignChange,
  type ScanTraining,
} from '@spamfilter/bayes';
import type { ModelChangeEvent } from '@spamfilter/domain';
import {
  CampaignRepository,
  bulkInsert,
  CampaignBandEntity,
  CampaignMarkEntity,
  OutboxRepository,
  queryRows,
  type CampaignVote,
  type StoredCampaign,
} from '@spamfilter/persistence';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  campaignConfirmed,
  decideAgreement,
  effectiveConsent,
  filterOpinion,
  supportFor,
  trustOf,
  trustUpdate,
  type AgreementDecision,
  type Consent,
  type FilterOpinion,
  type Label,
  type TrustSettings,
  type Voter,
} from './agreement-rules';

const DAY_MS = 86_400_000;
const IN_CHUNK = 500;

export interface AgreementSettings {
  readonly shareDefault: boolean;
  readonly minSupport: number;
  readonly confidentLogit: number;
  readonly trust: TrustSettings;
  readonly campaignUsers: number;
  readonly campaignSimilarity: number;
  readonly campaignDays: number;
}

interface Person {
  readonly createdAt: Date | null;
  readonly userShare: boolean | null;
  readonly domainShare: boolean | null;
  agreed: number;
  disagreed: number;
}

export interface Assessment {
  readonly opinion: FilterOpinion;
  /** Distinct other established voters (aged accounts, ARF reports) with near-copies marked the same way. */
  readonly agreeingPeers: number;
  readonly decision: AgreementDecision;
}

function chunked<T>(list: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * What the agreement rules (agreement-rules.ts) read and write for one learner batch, inside its transaction: the
 * users' consent and records (learner_trust), the campaign votes near the batch's messages (one statement for all their
 * LSH bands), and the votes, records and campaigns the batch changes (written in `flush`). Events apply one after the
 * other in memory, so a later event of the batch sees an earlier one's vote.
 */
export class AgreementBatch {
  private readonly people = new Map<string, Person>();
  private readonly trustTouched = new Set<string>();
  /** Votes near this batch's messages, and the votes this batch casts, by LSH band (decoded once). */
  private readonly byBand = new Map<number, Map<string, { vote: CampaignVote; sig: Uint32Array }>>();
  private readonly pending = new Map<string, { vote: CampaignVote; bands: number[] }>();
  private campaignList: StoredCampaign[] | null = null;
  private readonly signatures = new WeakMap<ScanTraining, Uint32Array | null>();
  readonly changes: CampaignChange[] = [];
  private readonly repo: CampaignRepository;

  constructor(
    private readonly m: EntityManager,
    readonly settings: AgreementSettings,
    readonly now: Date,
  ) {
    this.repo = new CampaignRepository(m);
  }

  private get since(): Date {
    return new Date(this.now.getTime() - this.settings.campaignDays * DAY_MS);
  }

  async prepare(
    events: readonly { readonly userId: string; readonly training: ScanTraining | null }[],
  ): Promise<void> {
    const bands = new Set<number>();
    for (const e of events) {
      const sig = e.training ? this.signatureOf(e.training) : null;
      if (sig) for (const b of signatureBands(sig)) bands.add(b);
    }
    const found: CampaignVote[] = [];
    for (const part of chunked([...bands])) found.push(...(await this.repo.candidates(part, this.since)));
    for (const v of found) this.remember(v);
    const users = new Set(events.map((e) => e.userId));
    for (const v of found) if (!v.voter.startsWith('arf:')) users.add(v.voter);
    await this.loadPeople([...users]);
  }

  private remember(vote: CampaignVote, sig = decodeSignature(vote.signature)): void {
    if (!sig) return;
    for (const b of signatureBands(sig)) {
      let votes = this.byBand.get(b);
      if (!votes) this.byBand.set(b, (votes = new Map()));
      votes.set(vote.eventId, { vote, sig });
    }
  }

  private forget(eventId: string): void {
    for (const votes of this.byBand.values()) votes.delete(eventId);
  }

  /** Loads the votes near one more signature (a vote cast outside a learner batch: an ARF report). */
  async prepareNear(sig: Uint32Array): Promise<void> {
    const found = await this.repo.candidates(signatureBands(sig), this.since);
    for (const v of found) this.remember(v);
    await this.loadPeople([...new Set(found.map((v) => v.voter).filter((v) => !v.startsWith('arf:')))]);
  }

  private async loadPeople(ids: readonly string[]): Promise<void> {
    for (const part of chunked(ids.filter((id) => !this.people.has(id)))) {
      if (part.length === 0) continue;
      const rows = await queryRows<{
        id: string;
        created_at: Date | string | null;
        user_share: boolean | number | null;
        domain_share: boolean | number | null;
        agreed: number | string | null;
        disagreed: number | string | null;
      }>(
        this.m,
        `SELECT u.id, u.created_at, cu.share AS user_share, cd.share AS domain_share, t.agreed, t.disagreed
           FROM user_account u
           LEFT JOIN sharing_consent cu ON cu.scope = 'user' AND cu.scope_id = u.id
           LEFT JOIN sharing_consent cd ON cd.scope = 'domain' AND cd.scope_id = u.domain_id
           LEFT JOIN learner_trust t ON t.user_id = u.id
          WHERE u.id IN (:...part)`,
        { part },
      );
      const bool = (v: boolean | number | null): boolean | null =>
        v === null ? null : v === true || v === 1;
      for (const r of rows)
        this.people.set(r.id, {
          createdAt: r.created_at === null ? null : timeOf(r.created_at),
          userShare: bool(r.user_share),
          domainShare: bool(r.domain_share),
          agreed: Number(r.agreed ?? 0),
          disagreed: Number(r.disagreed ?? 0),
        });
    }
  }

  /** The message's campaign signature (null: too few tokens). */
  signatureOf(training: ScanTraining): Uint32Array | null {
    let sig = this.signatures.get(training);
    if (sig === undefined) {
      sig = campaignSignature(training.tokens);
      this.signatures.set(training, sig);
    }
    return sig;
  }

  consentOf(userId: string): Consent {
    const p = this.people.get(userId);
    return effectiveConsent({
      user: p?.userShare ?? null,
      domain: p?.domainShare ?? null,
      installation: this.settings.shareDefault,
    });
  }

  private ageDays(p: Person | undefined): number {
    return p?.createdAt ? (this.now.getTime() - p.createdAt.getTime()) / DAY_MS : 0;
  }

  weightOf(voter: string): number {
    if (voter.startsWith('arf:')) return 1;
    const p = this.people.get(voter);
    return p ? trustOf(p, this.ageDays(p), this.settings.trust) : 0;
  }

  private established(voter: string): boolean {
    return voter.startsWith('arf:') || this.ageDays(this.people.get(voter)) >= this.settings.trust.minAgeDays;
  }

  /** Each other voter's vote on near-copies of `sig` (one per voter), the user's own left out. */
  private neighbours(sig: Uint32Array, self: string): Map<string, Label> {
    const out = new Map<string, Label>();
    const checked = new Set<string>();
    for (const b of signatureBands(sig)) {
      for (const [eventId, { vote, sig: other }] of this.byBand.get(b) ?? []) {
        if (vote.voter === self || checked.has(eventId)) continue;
        checked.add(eventId);
        if (signatureSimilarity(sig, other) >= this.settings.campaignSimilarity)
          out.set(vote.voter, vote.label);
      }
    }
    return out;
  }

  /** The agreement a mark has (its user's record is updated by it here). */
  assess(userId: string, label: Label, training: ScanTraining): Assessment {
    const opinion = filterOpinion(label, training.globalLogit, this.settings.confidentLogit);
    const sig = this.signatureOf(training);
    const others = sig ? this.neighbours(sig, userId) : new Map<string, Label>();
    let agreeingPeers = 0;
    const voters: Voter[] = [];
    for (const [voter, l] of others) {
      if (l === label && this.established(voter)) agreeingPeers++;
      voters.push({ label: l, weight: this.weightOf(voter) });
    }
    const update = trustUpdate(opinion, agreeingPeers);
    const me = this.people.get(userId);
    if (me && update) {
      if (update === 'agreed') me.agreed++;
      else me.disagreed++;
      this.trustTouched.add(userId);
    }
    const decision = decideAgreement(
      supportFor(label, opinion, this.weightOf(userId), voters),
      this.settings.minSupport,
    );
    return { opinion, agreeingPeers, decision };
  }

  /** Casts a vote (a consenting mark, an ARF report); a spam vote may confirm a campaign. */
  async castVote(eventId: string, voter: string, label: Label, sig: Uint32Array): Promise<void> {
    const vote: CampaignVote = { eventId, voter, label, signature: encodeSignature(sig) };
    this.pending.set(eventId, { vote, bands: signatureBands(sig) });
    this.remember(vote, sig);
    if (label !== 'spam' || this.settings.campaignUsers <= 0) return;
    // Only established voters (aged accounts, ARF reports) make a campaign: a handful of new accounts must not put
    // CAMPAIGN on mail they all "mark", any more than they can teach the global layer.
    if (!this.established(voter)) return;
    const spamVoters =
      1 + [...this.neighbours(sig, voter)].filter(([v, l]) => l === 'spam' && this.established(v)).length;
    if (!campaignConfirmed(spamVoters, this.settings.campaignUsers)) return;
    const campaigns = await this.campaigns();
    const near = campaigns.find((c) => {
      const s = decodeSignature(c.signature);
      return s !== null && signatureSimilarity(s, sig) >= this.settings.campaignSimilarity;
    });
    // An existing campaign stays as confirmed (its voter count is the one it was confirmed with): a big campaign that
    // thousands mark costs no write per mark.
    if (near) return;
    const campaign: StoredCampaign = { id: randomUUID(), signature: vote.signature, voters: spamVoters };
    await this.repo.saveCampaign(campaign, this.now);
    campaigns.push(campaign);
    this.changes.push({ op: 'add', id: campaign.id, signature: campaign.signature, voters: spamVoters });
  }

  /** Withdraws a vote (undo, correction); a campaign left with too few voters is withdrawn too. */
  async withdrawVote(eventId: string): Promise<void> {
    let removed: CampaignVote | null = this.pending.get(eventId)?.vote ?? null;
    if (removed) this.pending.delete(eventId);
    else
      removed = await this.repo.removeVote(eventId, (text) => {
        const sig = decodeSignature(text);
        return sig ? signatureBands(sig) : [];
      });
    this.forget(eventId);
    if (!removed || removed.label !== 'spam') return;
    const sig = decodeSignature(removed.signature);
    if (!sig) return;
    const campaigns = await this.campaigns();
    for (const c of [...campaigns]) {
      const cs = decodeSignature(c.signature);
      if (!cs || signatureSimilarity(cs, sig) < this.settings.campaignSimilarity) continue;
      const spamVoters = new Set<string>();
      const candidates = [
        ...(await this.repo.candidates(signatureBands(cs), this.since)),
        ...[...this.pending.values()].map((p) => p.vote),
      ];
      await this.loadPeople([
        ...new Set(candidates.map((v) => v.voter).filter((v) => !v.startsWith('arf:'))),
      ]);
      for (const v of candidates) {
        const vs = v.eventId === eventId ? null : decodeSignature(v.signature);
        if (
          vs &&
          v.label === 'spam' &&
          this.established(v.voter) &&
          signatureSimilarity(vs, cs) >= this.settings.campaignSimilarity
        )
          spamVoters.add(v.voter);
      }
      if (campaignConfirmed(spamVoters.size, this.settings.campaignUsers)) continue;
      await this.repo.deleteCampaign(c.id);
      campaigns.splice(campaigns.indexOf(c), 1);
      this.changes.push({ op: 'remove', id: c.id });
    }
  }

  /** Withdraws every vote of a voter (consent withdrawn). */
  async withdrawVoter(voter: string): Promise<void> {
    const rows = await queryRows<{ event_id: string }>(
      this.m,
      'SELECT event_id FROM campaign_mark WHERE voter = :v',
      { v: voter },
    );
    const pending = [...this.pending.values()]
      .filter((p) => p.vote.voter === voter)
      .map((p) => p.vote.eventId);
    for (const eventId of [...new Set([...rows.map((r) => r.event_id), ...pending])])
      await this.withdrawVote(eventId);
  }

  private async campaigns(): Promise<StoredCampaign[]> {
    this.campaignList ??= await this.repo.campaigns();
    return this.campaignList;
  }

  /** Writes the batch's votes and the records it changed. */
  async flush(): Promise<void> {
    const votes = [...this.pending.values()];
    await bulkInsert(
      this.m,
      CampaignMarkEntity,
      votes.map(({ vote }) => Object.assign(new CampaignMarkEntity(), { ...vote, createdAt: this.now })),
      { replace: true },
    );
    await bulkInsert(
      this.m,
      CampaignBandEntity,
      votes.flatMap(({ vote, bands }) =>
        [...new Set(bands)].map((bandKey) =>
          Object.assign(new CampaignBandEntity(), { bandKey, eventId: vote.eventId, createdAt: this.now }),
        ),
      ),
    );
    this.pending.clear();
    const touched = [...this.trustTouched];
    for (const part of chunked(touched, 200)) {
      const params: Record<string, unknown> = { at: this.now };
      const values = part.map((id, i) => {
        const p = this.people.get(id) as Person;
        params[`u${i}`] = id;
        params[`a${i}`] = p.agreed;
        params[`d${i}`] = p.disagreed;
        return `(:u${i}, :a${i}, :d${i}, :at)`;
      });
      await queryRows(
        this.m,
        `INSERT INTO learner_trust (user_id, agreed, disagreed, updated_at) VALUES ${values.join(',')}
         ON CONFLICT (user_id) DO UPDATE SET agreed = excluded.agreed, disagreed = excluded.disagreed, updated_at = excluded.updated_at`,
        params,
      );
    }
    this.trustTouched.clear();
  }
}

/** A timestamp as either driver returns it raw (SQLite: "YYYY-MM-DD HH:MM:SS.sss" in UTC, without a zone). */
function timeOf(v: Date | string): Date {
  if (v instanceof Date) return v;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v.replace(' ', 'T')}Z`);
}

/**
 * Writes campaign changes made outside a learner batch (an ARF report, the expiry) to the outbox as 'campaign'
 * ModelChangeEvents, in the caller's transaction.
 */
export async function publishCampaignChanges(
  m: EntityManager,
  changes: readonly CampaignChange[],
  now: Date,
): Promise<void> {
  for (const payload of changes) {
    const event: ModelChangeEvent = {
      eventId: randomUUID(),
      kind: 'campaign',
      userId: null,
      version: CAMPAIGN_VERSION,
      occurredAt: now.toISOString(),
      payload: { ...payload },
    };
    await new OutboxRepository(m.connection).add(
      m,
      { topic: MODEL_TOPIC, key: CAMPAIGN_KEY, payload: event },
      now,
    );
  }
}

/** Deletes votes and campaigns older than `days` and announces the campaigns removed (LEARNER_CAMPAIGN_DAYS). */
export async function expireCampaigns(m: EntityManager, days: number, now: Date): Promise<number> {
  const removed = await new CampaignRepository(m).expire(new Date(now.getTime() - days * DAY_MS));
  await publishCampaignChanges(
    m,
    removed.map((id) => ({ op: 'remove', id })),
    now,
  );
  return removed.length;
}

/** Partition key of campaign changes (one order for all of them). */
export const CAMPAIGN_KEY = 'campaign';
/**
 * Campaign changes carry no version: filters apply them idempotently by id and reload the whole set every minute, so
 * there is no gap to detect — and a shared counter would be one row every learner partition queues on.
 */
export const CAMPAIGN_VERSION = 0;
/** Logical topic of model and policy changes; the bus adapter adds KAFKA_TOPIC_PREFIX. */
const MODEL_TOPIC = 'spamfilter.model.v1';
