import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  BayesDeltaSum,
  GLOBAL_SCOPE,
  userScope,
  type BayesDeltaPayload,
  type BayesStore,
  type Label,
} from '@spamfilter/bayes';
import type { ModelChangeEvent } from '@spamfilter/domain';
import type { AppConfig } from '@spamfilter/config';
import {
  GLOBAL_CHANGES_COUNTER,
  LearnerTrainingEntity,
  queryRows,
  runInTransaction,
  type TrainedRecord,
} from '@spamfilter/persistence';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { withLogFields } from '@spamfilter/observability';
import { API_APP_CONFIG } from '../api-config.token';
import { ApiMetricsService } from '../metrics/api-metrics.service';
import type { FeedbackPayload } from '../services/feedback-payload';
import { LearnerBatch } from './learner-batch';
import {
  AgreementBatch,
  CAMPAIGN_KEY,
  CAMPAIGN_VERSION,
  expireCampaigns,
  type AgreementSettings,
} from './agreement-batch';
import { isLegitimateBulk } from './agreement-rules';
import { decideGlobalTraining, isListPreference, learnedBlockLifted, senderBlockDue } from './learner-rules';
import { markedAtFor, oldestMarks } from './mark-times';

/** Logical topic of model and policy changes; the bus adapter adds KAFKA_TOPIC_PREFIX. */
export const MODEL_TOPIC = 'spamfilter.model.v1';

/** Partition key of the global layer's changes. */
export const GLOBAL_KEY = 'global';

/** The consumer name in processed_event. */
export const LEARNER_CONSUMER = 'learner';

/**
 * The Bayes store as the learner uses it: also reads a message's record (what an undo removes, for its delta) and a
 * scope's oldest trainings (what the per-user cap removes). TypeOrmBayesStore and BatchedBayesStore are both one.
 */
export interface LearnerBayesStore extends BayesStore {
  trained(scope: string, fingerprint: string): Promise<TrainedRecord | null>;
  oldest(scope: string, count: number): Promise<string[]>;
}

/** Binds the Bayes store to the handler's transaction, so training and processed_event commit together. */
export abstract class LearnerBayesStores {
  abstract forTransaction(manager: EntityManager): LearnerBayesStore;
}

/** A change before it becomes an event: which user's layer (null: global), the kind, and its payload. */
export interface ModelChange {
  readonly kind: 'bayes' | 'lists' | 'campaign';
  readonly userId: string | null;
  readonly version: number;
  readonly payload: Readonly<Record<string, unknown>>;
}

export type LearnOutcome =
  | { readonly status: 'duplicate' }
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'trained' | 'undone' | 'unchanged'; readonly changes: readonly ModelChange[] };

/**
 * Handles one FeedbackEvent exactly once in effect: processed_event, the Bayes training (user layer always, global
 * layer within the per-user caps), the learner_training record and any policy change commit in ONE transaction.
 * Returns the changes to propagate (exact deltas + scope versions) for the caller to publish after the commit.
 */
@Injectable()
export class LearnerService {
  private readonly log = new Logger(LearnerService.name);

  constructor(
    private readonly db: DataSource,
    private readonly stores: LearnerBayesStores,
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly metrics?: ApiMetricsService,
  ) {}

  async handle(event: FeedbackPayload, now = new Date()): Promise<LearnOutcome> {
    return (await this.handleBatch([event], now))[0] as LearnOutcome;
  }

  /**
   * Handles a batch (in order) in ONE transaction with batch-level SQL (issue 6 throughput: a few statements per
   * batch, not ~25 round trips per event; see LearnerBatch) and writes the resulting ModelChangeEvents to the outbox
   * in that same transaction, so a committed training is always propagated. If the batch fails, each event is
   * retried in a transaction of its own, so one bad event cannot hold the others back; an event that still fails
   * is rethrown (the bus redelivers it).
   */
  async handleBatch(events: readonly FeedbackPayload[], now = new Date()): Promise<LearnOutcome[]> {
    const outcomes = await this.handleBatchOnce(events, now);
    this.metrics?.learned(events, outcomes);
    outcomes.forEach((o, i) => {
      const e = events[i];
      // A mark that trains nothing is what a user asks support about: say which one and why.
      if (o.status === 'skipped' && e)
        this.log.log({
          msg: `mark not trained: ${o.reason}`,
          eventId: e.eventId,
          reference: e.reference ?? undefined,
          userId: e.userId,
        });
    });
    return outcomes;
  }

  private async handleBatchOnce(events: readonly FeedbackPayload[], now: Date): Promise<LearnOutcome[]> {
    await this.expireIfDue(now);
    try {
      return await runInTransaction(this.db, (m) => this.handleIn(m, events, now));
    } catch (err) {
      if (events.length === 1) throw err;
      this.log.warn(
        `a batch of ${events.length} events failed (${err instanceof Error ? err.message : String(err)}); handling each alone`,
      );
      const out: LearnOutcome[] = [];
      for (const e of events)
        out.push(
          ...(await withLogFields({ eventId: e.eventId }, () =>
            runInTransaction(this.db, (m) => this.handleIn(m, [e], now)).catch((one: unknown) => {
              this.log.warn(
                `event failed alone, left for redelivery: ${one instanceof Error ? one.message : String(one)}`,
              );
              throw one;
            }),
          )),
        );
      return out;
    }
  }

  private lastExpiry = 0;

  /** Hourly, before a batch: campaign votes and campaigns older than LEARNER_CAMPAIGN_DAYS go (and filters hear of it). */
  private async expireIfDue(now: Date): Promise<void> {
    if (now.getTime() - this.lastExpiry < 3_600_000) return;
    this.lastExpiry = now.getTime();
    await runInTransaction(this.db, (m) => expireCampaigns(m, this.config.learner.campaignDays, now));
  }

  private async handleIn(
    m: EntityManager,
    events: readonly FeedbackPayload[],
    now: Date,
  ): Promise<LearnOutcome[]> {
    // processed_event for the whole batch in one statement; a repeated id inside the batch is a duplicate too (by
    // position: a redelivered event may even be the same object twice).
    const ran = await this.markProcessed(m, [...new Set(events.map((e) => e.eventId))], now);
    const seen = new Set<string>();
    const first = events.map((e) => {
      const run = ran.has(e.eventId) && !seen.has(e.eventId);
      seen.add(e.eventId);
      return run;
    });
    const todo = events.filter((_, i) => first[i]);

    const batch = new LearnerBatch(m, this.stores.forTransaction(m), now);
    const agreement = new AgreementBatch(m, agreementSettings(this.config), now);
    if (todo.length > 0) {
      await batch.prepare(todo, globalFingerprint);
      await agreement.prepare(
        todo.map((e) => ({ userId: e.userId, training: e.kind === 'learn' ? batch.trainingOf(e) : null })),
      );
    }
    const outcomes: LearnOutcome[] = [];
    for (const [i, event] of events.entries()) {
      if (!first[i]) outcomes.push({ status: 'duplicate' });
      else
        outcomes.push(
          event.kind === 'undo'
            ? await this.undo(batch, agreement, event)
            : event.kind === 'unshare'
              ? await this.unshare(batch, agreement, event)
              : await this.learn(batch, agreement, event, now),
        );
    }
    if (todo.length === 0) return outcomes;
    await this.capUserLayers(batch, [...new Set(todo.map((e) => e.userId))]);
    // ONE change per Bayes scope for the whole batch: the net of its trainings, per token (not one per training:
    // a batch of 2,000 marks would otherwise write and relay ~4,000 events of ~290 tokens each).
    const net: ModelChange[] = [];
    for (const [scope, sum] of batch.deltas) {
      net.push({
        kind: 'bayes',
        userId: scope === GLOBAL_SCOPE ? null : scope.slice('user:'.length),
        version: batch.bumpVersion(scope),
        payload: { ...sum.payload() },
      });
    }
    const base = await batch.flushModel();
    await agreement.flush();
    const absolute = outcomes.map((o): LearnOutcome => {
      if (!('changes' in o)) return o;
      return {
        ...o,
        changes: o.changes.map((c) => ({ ...c, version: base(versionScope(c)) + c.version })),
      };
    });
    const lists = absolute
      .flatMap((o) => ('changes' in o ? o.changes : []))
      .filter((c) => c.kind === 'lists');
    const bayes = net.map((c) => ({ ...c, version: base(versionScope(c)) + c.version }));
    const marks = oldestMarks(todo);
    // Campaigns confirmed or withdrawn by this batch: every filter holds the active ones (CampaignCheck). They carry
    // no version (campaignChange): a shared counter would be a row every learner partition queues on.
    const campaigns: ModelChange[] = agreement.changes.map((payload) => ({
      kind: 'campaign',
      userId: null,
      version: CAMPAIGN_VERSION,
      payload: { ...payload },
    }));
    for (const changes of [bayes, lists, campaigns]) {
      // Keyed by userId or 'global', so each scope's changes reach every filter in version order.
      for (const c of changes) {
        const markedAt = markedAtFor(marks, c.userId);
        const e: ModelChangeEvent = {
          eventId: randomUUID(),
          kind: c.kind,
          userId: c.userId,
          version: c.version,
          occurredAt: now.toISOString(),
          ...(markedAt ? { markedAt } : {}),
          payload: c.payload,
        };
        batch.addOutbox({
          topic: MODEL_TOPIC,
          key: c.kind === 'campaign' ? CAMPAIGN_KEY : (e.userId ?? GLOBAL_KEY),
          payload: e,
        });
      }
    }
    // In the same transaction: a committed training is always propagated.
    await batch.flushOutbox();
    return absolute;
  }

  /**
   * The per-user cap (LEARNER_USER_MAX_TRAININGS): a user layer over it loses its oldest trainings, each published as
   * an exact delta like an undo. The global layer and learner_training keep them (an undo of such a mark later finds
   * nothing to remove from the user layer, and still removes its global training).
   */
  private async capUserLayers(batch: LearnerBatch, users: readonly string[]): Promise<void> {
    const store = batch.store;
    const max = this.config.learner.userMaxTrainings;
    for (const userId of users) {
      const scope = userScope(userId);
      const t = await store.totals(scope);
      const excess = t.spam + t.ham - max;
      if (excess <= 0) continue;
      for (const fingerprint of await store.oldest(scope, excess)) {
        const record = await store.trained(scope, fingerprint);
        if (
          record &&
          (await store.train(scope, fingerprint, new Uint32Array(0), null, batch.now)) === 'unlearned'
        )
          this.delta(batch, scope, record.tokens, record.label, -1);
      }
    }
  }

  /**
   * Records the ids in processed_event; returns those not processed before. Concurrent duplicates on PostgreSQL:
   * the INSERT waits on the other transaction's row lock, then skips (ON CONFLICT DO NOTHING), as runOnce does.
   */
  private async markProcessed(m: EntityManager, ids: readonly string[], now: Date): Promise<Set<string>> {
    const ran = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const params: Record<string, unknown> = { consumer: LEARNER_CONSUMER, at: now };
      const values = ids.slice(i, i + 500).map((id, j) => {
        params[`e${j}`] = id;
        return `(:consumer, :e${j}, :at)`;
      });
      const rows = await queryRows<{ event_id: string }>(
        m,
        `INSERT INTO processed_event (consumer, event_id, processed_at) VALUES ${values.join(',')}
         ON CONFLICT DO NOTHING RETURNING event_id`,
        params,
      );
      for (const r of rows) ran.add(r.event_id);
    }
    return ran;
  }

  private async learn(
    batch: LearnerBatch,
    agreement: AgreementBatch,
    event: FeedbackPayload,
    now: Date,
  ): Promise<LearnOutcome> {
    if (event.label === null) return { status: 'skipped', reason: 'learn event without a label' };
    const label: Label = event.label;
    const training = batch.trainingOf(event);
    if (!training) return { status: 'skipped', reason: 'no training data for this message' };
    const store = batch.store;
    const changes: ModelChange[] = [];

    // A correction: undo exactly what the earlier mark trained, then train anew (counts restored, not stacked).
    const previous = batch.activeTraining(event.userId, event.messageId);
    if (previous?.label === label) return { status: 'unchanged', changes: [] };
    if (previous) changes.push(...(await this.untrain(batch, agreement, previous, now)));

    const listPreference =
      label === 'spam' &&
      training.listUnsubscribe &&
      training.sender !== null &&
      isListPreference({
        label,
        hasListUnsubscribe: true,
        // The user accepted earlier mail from this sender (delivered without tag/reject) and did not mark it spam.
        senderPreviouslyAccepted:
          batch.acceptedFrom(event.userId, training.sender, event.reference) &&
          batch.senderSpamMarks(event.userId, training.sender) === 0,
      });

    const tokens = Uint32Array.from(training.tokens);
    const userOutcome = await store.train(userScope(event.userId), event.messageId, tokens, label, now);
    if (userOutcome === 'learned' || userOutcome === 'corrected') {
      changes.push(this.delta(batch, userScope(event.userId), training.tokens, label, 1));
    }

    let trainedGlobal = false;
    let note: string | null = null;
    // Who may teach the shared model (agreement-rules.ts): the user's consent, never a preference on legitimate
    // bulk mail, and agreement — the filter's confident verdict at scan time and other users' marks on near-copies.
    // The assessment also updates this user's record (learner_trust), consent or not.
    const consent = agreement.consentOf(event.userId);
    const assessment = agreement.assess(event.userId, label, training);
    const legitimateBulk = label === 'spam' && isLegitimateBulk(training);
    const signature = agreement.signatureOf(training);
    if (consent.share && !listPreference && !legitimateBulk && signature)
      await agreement.castVote(event.eventId, event.userId, label, signature);
    if (listPreference) {
      note =
        'list preference: sender blocked for this user, unsubscribing suggested; global layer not trained';
    } else if (legitimateBulk) {
      note =
        'legitimate bulk mail (List-Unsubscribe, aligned DKIM, good sender record): trained for this user only; suggest unsubscribing';
    } else if (!consent.share) {
      note = `not shared: no consent to train the shared model (${consent.source})`;
    } else if (!assessment.decision.train) {
      note = `global layer not trained: ${assessment.decision.reason}`;
    } else {
      const totals = await store.totals(GLOBAL_SCOPE);
      const decision = decideGlobalTraining(
        { ...batch.globalCounts(event.userId), globalTotal: totals.spam + totals.ham },
        {
          dailyCapPerUser: this.config.learner.globalDailyCapPerUser,
          maxUserFraction: this.config.learner.globalMaxUserFraction,
          userFloor: this.config.learner.globalUserFloor,
        },
      );
      if (decision.train) {
        const g = await store.train(
          GLOBAL_SCOPE,
          globalFingerprint(event.userId, event.messageId),
          tokens,
          label,
          now,
        );
        trainedGlobal = g === 'learned' || g === 'corrected';
        if (trainedGlobal) changes.push(this.delta(batch, GLOBAL_SCOPE, training.tokens, label, 1));
      } else {
        note = `global layer not trained: ${decision.reason}`;
      }
    }

    const row = new LearnerTrainingEntity();
    Object.assign(row, {
      eventId: event.eventId,
      userId: event.userId,
      messageFingerprint: event.messageId,
      label,
      sender: training.sender,
      listMail: training.listUnsubscribe,
      trainedGlobal,
      note,
      createdAt: now,
      undoneAt: null,
    });
    batch.record(row);

    if (label === 'ham' && training.sender !== null) {
      // "Not spam" on mail from a sender the learner blocked for this user contradicts the marks behind the block.
      if (learnedBlockLifted({ kind: 'ham_mark' }, this.config.learner.senderBlockThreshold))
        changes.push(
          ...(await this.liftLearnedBlock(
            batch,
            event.userId,
            training.sender,
            'a not-spam mark on mail from this sender',
          )),
        );
    }
    if (label === 'spam' && training.sender !== null) {
      const block = listPreference
        ? `blocked by the learner: a spam mark on list mail this user used to read; suggest unsubscribing (List-Unsubscribe) instead`
        : this.senderBlockReason(batch, event.userId, training.sender);
      const entryId = block ? batch.addBlock(event.userId, training.sender, block, now, randomUUID()) : null;
      if (block && entryId) {
        const version = batch.bumpVersion(`lists:${event.userId}`);
        changes.push({
          kind: 'lists',
          userId: event.userId,
          version,
          payload: {
            added: {
              id: entryId,
              kind: 'block',
              matchType: 'address',
              value: training.sender,
              reason: block,
            },
          },
        });
      }
    }
    return { status: 'trained', changes };
  }

  private async undo(
    batch: LearnerBatch,
    agreement: AgreementBatch,
    event: FeedbackPayload,
  ): Promise<LearnOutcome> {
    const previous = batch.activeTraining(event.userId, event.messageId);
    if (!previous) return { status: 'unchanged', changes: [] };
    return { status: 'undone', changes: await this.untrain(batch, agreement, previous, batch.now) };
  }

  /**
   * Consent withdrawn: every active mark of the user that trained the global layer is taken out of it (exactly, as an
   * undo would) and stays in the user's own layer; their campaign votes are withdrawn (a campaign left with too few
   * voters goes). Later marks follow the new answer; what was given back is not re-shared if consent returns.
   */
  private async unshare(
    batch: LearnerBatch,
    agreement: AgreementBatch,
    event: FeedbackPayload,
  ): Promise<LearnOutcome> {
    const store = batch.store;
    const changes: ModelChange[] = [];
    const rows = await batch.manager.getRepository(LearnerTrainingEntity).find({
      where: { userId: event.userId, trainedGlobal: true, undoneAt: IsNull() },
    });
    for (const row of rows) {
      const fingerprint = globalFingerprint(row.userId, row.messageFingerprint);
      const record = await store.trained(GLOBAL_SCOPE, fingerprint);
      if (
        record &&
        (await store.train(GLOBAL_SCOPE, fingerprint, new Uint32Array(0), null, batch.now)) === 'unlearned'
      )
        changes.push(this.delta(batch, GLOBAL_SCOPE, record.tokens, record.label, -1));
      await batch.manager
        .getRepository(LearnerTrainingEntity)
        .update(
          { eventId: row.eventId },
          { trainedGlobal: false, note: 'consent withdrawn: taken back from the global layer' },
        );
    }
    await agreement.withdrawVoter(event.userId);
    return { status: changes.length > 0 ? 'undone' : 'unchanged', changes };
  }

  /**
   * Removes exactly what `row` trained (user layer, and global when it was), withdraws its campaign vote (a campaign
   * left with too few voters goes with it), and marks the row undone.
   */
  private async untrain(
    batch: LearnerBatch,
    agreement: AgreementBatch,
    row: LearnerTrainingEntity,
    now: Date,
  ): Promise<ModelChange[]> {
    await agreement.withdrawVote(row.eventId);
    const store = batch.store;
    const changes: ModelChange[] = [];
    const targets: [string, string][] = [[userScope(row.userId), row.messageFingerprint]];
    if (row.trainedGlobal)
      targets.push([GLOBAL_SCOPE, globalFingerprint(row.userId, row.messageFingerprint)]);
    for (const [scope, fingerprint] of targets) {
      // The tokens come from the scope's own record (the one copy kept): exactly what the training added.
      const record = await store.trained(scope, fingerprint);
      if (record && (await store.train(scope, fingerprint, new Uint32Array(0), null, now)) === 'unlearned')
        changes.push(this.delta(batch, scope, record.tokens, record.label, -1));
    }
    batch.markUndone(row);
    if (row.label === 'spam' && row.sender !== null) {
      const remaining = batch.senderSpamMarks(row.userId, row.sender);
      if (
        learnedBlockLifted({ kind: 'spam_marks_left', remaining }, this.config.learner.senderBlockThreshold)
      )
        changes.push(
          ...(await this.liftLearnedBlock(
            batch,
            row.userId,
            row.sender,
            `spam marks undone: ${remaining} left`,
          )),
        );
    }
    return changes;
  }

  /** Lifts the learner's block of `sender` for the user, if there is one, as a 'lists' change for the filters. */
  private async liftLearnedBlock(
    batch: LearnerBatch,
    userId: string,
    sender: string,
    why: string,
  ): Promise<ModelChange[]> {
    const ids = await batch.liftBlocks(userId, sender);
    return ids.map((id) => ({
      kind: 'lists' as const,
      userId,
      version: batch.bumpVersion(`lists:${userId}`),
      payload: {
        removed: { id, kind: 'block', matchType: 'address', value: sender, reason: `lifted: ${why}` },
      },
    }));
  }

  /**
   * Adds a training's delta to the batch's net change of the scope (published once per batch) and describes it; its
   * version is the batch's version of the scope (1 relative to the stored one).
   */
  private delta(
    batch: LearnerBatch,
    scope: string,
    tokens: readonly number[],
    label: Label,
    sign: 1 | -1,
  ): ModelChange {
    let sum = batch.deltas.get(scope);
    if (!sum) {
      sum = new BayesDeltaSum();
      batch.deltas.set(scope, sum);
    }
    sum.add(tokens, label, sign);
    // The logistic trainer retrains after so many changes of the global training set (not batches: see
    // LogisticSnapshotRepository.globalVersion).
    if (scope === GLOBAL_SCOPE) batch.bumpVersion(GLOBAL_CHANGES_COUNTER);
    const payload: BayesDeltaPayload = {
      tokens,
      spam: label === 'spam' ? sign : 0,
      ham: label === 'ham' ? sign : 0,
    };
    return {
      kind: 'bayes',
      userId: scope === GLOBAL_SCOPE ? null : scope.slice('user:'.length),
      version: 1,
      payload: { ...payload },
    };
  }

  private senderBlockReason(batch: LearnerBatch, userId: string, sender: string): string | null {
    const threshold = this.config.learner.senderBlockThreshold;
    const marks = batch.senderSpamMarks(userId, sender);
    return senderBlockDue(marks, threshold)
      ? `blocked by the learner: ${marks} spam marks from this sender (threshold ${threshold})`
      : null;
  }
}

/** The version counter a change belongs to (what bumpVersion was called with). */
function versionScope(c: ModelChange): string {
  if (c.kind === 'lists') return `lists:${c.userId ?? ''}`;
  return c.userId === null ? GLOBAL_SCOPE : userScope(c.userId);
}

/** Each user's contribution to the global layer is its own record, so one user's undo removes only theirs. */
function globalFingerprint(userId: string, fingerprint: string): string {
  return createHash('sha256').update(`${userId}:${fingerprint}`).digest('hex');
}

/** The agreement rules' settings from LEARNER_* configuration. */
export function agreementSettings(config: AppConfig): AgreementSettings {
  const l = config.learner;
  return {
    shareDefault: l.shareDefault,
    minSupport: l.globalMinSupport,
    confidentLogit: l.confidentLogit,
    trust: { marks: l.trustMarks, minAgeDays: l.trustMinAgeDays },
    campaignUsers: l.campaignUsers,
    campaignSimilarity: l.campaignSimilarity,
    campaignDays: l.campaignDays,
  };
}
