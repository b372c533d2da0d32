import { Inject, Injectable } from '@nestjs/common';
import {
  GLOBAL_SCOPE,
  readScanTraining,
  userScope,
  type BayesDeltaPayload,
  type BayesStore,
  type Label,
  type ScanTraining,
} from '@spamfilter/bayes';
import type { ModelChangeEvent } from '@spamfilter/domain';
import type { AppConfig } from '@spamfilter/config';
import {
  LearnerScopeVersionEntity,
  LearnerTrainingEntity,
  ListEntryEntity,
  OutboxRepository,
  ProcessedEventRepository,
  ScanRecipientEntity,
  ScanRecordEntity,
  runInTransaction,
} from '@spamfilter/persistence';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, IsNull, MoreThanOrEqual, Not, type EntityManager } from 'typeorm';
import { API_APP_CONFIG } from '../api-config.token';
import type { FeedbackPayload } from '../services/feedback-payload';
import { decideGlobalTraining, isListPreference, senderBlockDue } from './learner-rules';

/** Logical topic of model and policy changes; the bus adapter adds KAFKA_TOPIC_PREFIX. */
export const MODEL_TOPIC = 'spamfilter.model.v1';

/** Partition key of the global layer's changes. */
export const GLOBAL_KEY = 'global';

/** The consumer name in processed_event. */
export const LEARNER_CONSUMER = 'learner';

/** Binds the Bayes store to the handler's transaction, so training and processed_event commit together. */
export abstract class LearnerBayesStores {
  abstract forTransaction(manager: EntityManager): BayesStore;
}

/** A change before it becomes an event: which user's layer (null: global), the kind, and its payload. */
export interface ModelChange {
  readonly kind: 'bayes' | 'lists';
  readonly userId: string | null;
  readonly version: number;
  readonly payload: Readonly<Record<string, unknown>>;
}

export type LearnOutcome =
  | { readonly status: 'duplicate' }
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'trained' | 'undone' | 'unchanged'; readonly changes: readonly ModelChange[] };

const DAY_MS = 86_400_000;

/**
 * Handles one FeedbackEvent exactly once in effect: processed_event, the Bayes training (user layer always, global
 * layer within the per-user caps), the learner_training record and any policy change commit in ONE transaction.
 * Returns the changes to propagate (exact deltas + scope versions) for the caller to publish after the commit.
 */
@Injectable()
export class LearnerService {
  constructor(
    private readonly db: DataSource,
    private readonly processed: ProcessedEventRepository,
    private readonly outbox: OutboxRepository,
    private readonly stores: LearnerBayesStores,
    @Inject(API_APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(event: FeedbackPayload, now = new Date()): Promise<LearnOutcome> {
    return (await this.handleBatch([event], now))[0] as LearnOutcome;
  }

  /**
   * Handles a batch (in order) in ONE transaction — throughput: one commit per batch, not per event — and writes
   * the resulting ModelChangeEvent to the outbox in that same transaction, so a committed training is always
   * propagated. If the batch fails, each event is retried in a transaction of its own, so one bad event cannot
   * hold the others back; an event that still fails is rethrown (the bus redelivers it).
   */
  async handleBatch(events: readonly FeedbackPayload[], now = new Date()): Promise<LearnOutcome[]> {
    try {
      return await runInTransaction(this.db, (m) => this.handleIn(m, events, now));
    } catch (err) {
      if (events.length === 1) throw err;
      const out: LearnOutcome[] = [];
      for (const e of events)
        out.push(...(await runInTransaction(this.db, (m) => this.handleIn(m, [e], now))));
      return out;
    }
  }

  private async handleIn(
    m: EntityManager,
    batch: readonly FeedbackPayload[],
    now: Date,
  ): Promise<LearnOutcome[]> {
    const outcomes: LearnOutcome[] = [];
    const events: ModelChangeEvent[] = [];
    for (const event of batch) {
      const r = await this.processed.runOnce(
        LEARNER_CONSUMER,
        event.eventId,
        m,
        (tx) => (event.kind === 'undo' ? this.undo(tx, event, now) : this.learn(tx, event, now)),
        now,
      );
      const outcome: LearnOutcome = r.ran ? r.result : { status: 'duplicate' };
      outcomes.push(outcome);
      for (const c of 'changes' in outcome ? outcome.changes : []) {
        events.push({
          eventId: randomUUID(),
          kind: c.kind,
          userId: c.userId,
          version: c.version,
          occurredAt: now.toISOString(),
          payload: c.payload,
        });
      }
    }
    // In the same transaction: a committed training is always propagated. Keyed by userId or 'global', so each
    // scope's changes reach every filter in version order.
    for (const e of events)
      await this.outbox.add(m, { topic: MODEL_TOPIC, key: e.userId ?? GLOBAL_KEY, payload: e }, now);
    return outcomes;
  }

  private async learn(m: EntityManager, event: FeedbackPayload, now: Date): Promise<LearnOutcome> {
    if (event.label === null) return { status: 'skipped', reason: 'learn event without a label' };
    const label: Label = event.label;
    const training = event.training ?? (await this.trainingOfScan(m, event));
    if (!training) return { status: 'skipped', reason: 'no training data for this message' };
    const store = this.stores.forTransaction(m);
    const trainings = m.getRepository(LearnerTrainingEntity);
    const changes: ModelChange[] = [];

    // A correction: undo exactly what the earlier mark trained, then train anew (counts restored, not stacked).
    const previous = await trainings.findOneBy({
      userId: event.userId,
      messageFingerprint: event.messageId,
      undoneAt: IsNull(),
    });
    if (previous?.label === label) return { status: 'unchanged', changes: [] };
    if (previous) changes.push(...(await this.untrain(m, store, previous, now)));

    const listPreference =
      label === 'spam' &&
      training.listUnsubscribe &&
      training.sender !== null &&
      isListPreference({
        label,
        hasListUnsubscribe: true,
        senderPreviouslyAccepted: await this.senderPreviouslyAccepted(m, event, training.sender),
      });

    const tokens = Uint32Array.from(training.tokens);
    const userOutcome = await store.train(userScope(event.userId), event.messageId, tokens, label, now);
    if (userOutcome === 'learned' || userOutcome === 'corrected') {
      changes.push(await this.delta(m, userScope(event.userId), training.tokens, label, 1));
    }

    let trainedGlobal = false;
    let note: string | null = null;
    if (listPreference) {
      note =
        'list preference: sender blocked for this user, unsubscribing suggested; global layer not trained';
    } else {
      const decision = decideGlobalTraining(await this.globalContribution(m, store, event.userId, now), {
        dailyCapPerUser: this.config.learner.globalDailyCapPerUser,
        maxUserFraction: this.config.learner.globalMaxUserFraction,
        userFloor: this.config.learner.globalUserFloor,
      });
      if (decision.train) {
        const g = await store.train(
          GLOBAL_SCOPE,
          globalFingerprint(event.userId, event.messageId),
          tokens,
          label,
          now,
        );
        trainedGlobal = g === 'learned' || g === 'corrected';
        if (trainedGlobal) changes.push(await this.delta(m, GLOBAL_SCOPE, training.tokens, label, 1));
      } else {
        note = `global layer not trained: ${decision.reason}`;
      }
    }

    await trainings.insert({
      eventId: event.eventId,
      userId: event.userId,
      messageFingerprint: event.messageId,
      label,
      sender: training.sender,
      listMail: training.listUnsubscribe,
      trainedGlobal,
      note,
      tokens: [...training.tokens],
      createdAt: now,
      undoneAt: null,
    });

    if (label === 'spam' && training.sender !== null) {
      const block = listPreference
        ? `blocked by the learner: a spam mark on list mail this user used to read; suggest unsubscribing (List-Unsubscribe) instead`
        : await this.senderBlockReason(m, event.userId, training.sender);
      const entryId = block ? await this.addUserBlock(m, event.userId, training.sender, block, now) : null;
      if (block && entryId) {
        const version = await this.bumpVersion(m, `lists:${event.userId}`);
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

  private async undo(m: EntityManager, event: FeedbackPayload, now: Date): Promise<LearnOutcome> {
    const previous = await m
      .getRepository(LearnerTrainingEntity)
      .findOneBy({ userId: event.userId, messageFingerprint: event.messageId, undoneAt: IsNull() });
    if (!previous) return { status: 'unchanged', changes: [] };
    return { status: 'undone', changes: await this.untrain(m, this.stores.forTransaction(m), previous, now) };
  }

  /** Removes exactly what `row` trained (user layer, and global when it was), and marks the row undone. */
  private async untrain(
    m: EntityManager,
    store: BayesStore,
    row: LearnerTrainingEntity,
    now: Date,
  ): Promise<ModelChange[]> {
    const changes: ModelChange[] = [];
    if (
      (await store.train(userScope(row.userId), row.messageFingerprint, new Uint32Array(0), null, now)) ===
      'unlearned'
    ) {
      changes.push(await this.delta(m, userScope(row.userId), row.tokens, row.label, -1));
    }
    if (
      row.trainedGlobal &&
      (await store.train(
        GLOBAL_SCOPE,
        globalFingerprint(row.userId, row.messageFingerprint),
        new Uint32Array(0),
        null,
        now,
      )) === 'unlearned'
    ) {
      changes.push(await this.delta(m, GLOBAL_SCOPE, row.tokens, row.label, -1));
    }
    await m.getRepository(LearnerTrainingEntity).update({ eventId: row.eventId }, { undoneAt: now });
    return changes;
  }

  /** Bumps the scope's version in this transaction and describes the delta. */
  private async delta(
    m: EntityManager,
    scope: string,
    tokens: readonly number[],
    label: Label,
    sign: 1 | -1,
  ): Promise<ModelChange> {
    const payload: BayesDeltaPayload = {
      tokens: [...tokens],
      spam: label === 'spam' ? sign : 0,
      ham: label === 'ham' ? sign : 0,
    };
    return {
      kind: 'bayes',
      userId: scope === GLOBAL_SCOPE ? null : scope.slice('user:'.length),
      version: await this.bumpVersion(m, scope),
      payload: { ...payload },
    };
  }

  private async bumpVersion(m: EntityManager, scope: string): Promise<number> {
    const repo = m.getRepository(LearnerScopeVersionEntity);
    const updated = await repo
      .createQueryBuilder()
      .update()
      .set({ version: () => 'version + 1' })
      .where('scope = :scope', { scope })
      .execute();
    if (!updated.affected) await repo.insert({ scope, version: 1 });
    return (await repo.findOneByOrFail({ scope })).version;
  }

  private async trainingOfScan(m: EntityManager, event: FeedbackPayload): Promise<ScanTraining | null> {
    if (!event.reference) return null;
    const record = await m.getRepository(ScanRecordEntity).findOne({
      where: { reference: event.reference },
      select: { reference: true, training: true, mailFrom: true },
    });
    const training = record ? readScanTraining(record.training) : null;
    if (!record || !training) return null;
    return {
      ...training,
      sender: training.sender ?? (record.mailFrom ? record.mailFrom.toLowerCase() : null),
    };
  }

  /** The user accepted earlier mail from this sender (delivered without tag/reject) and did not mark it spam. */
  private async senderPreviouslyAccepted(
    m: EntityManager,
    event: FeedbackPayload,
    sender: string,
  ): Promise<boolean> {
    const accepted = await m
      .getRepository(ScanRecipientEntity)
      .createQueryBuilder('r')
      .innerJoin(ScanRecordEntity, 's', 's.reference = r.reference')
      .where('r.userId = :userId', { userId: event.userId })
      .andWhere(`r.action = 'accept'`)
      .andWhere('(LOWER(s.mailFrom) = :sender OR LOWER(s.headerFrom) LIKE :like)', {
        sender,
        like: `%${sender.replace(/[%_]/g, '')}%`,
      })
      .andWhere(event.reference ? 'r.reference <> :ref' : '1 = 1', { ref: event.reference })
      .getCount();
    if (accepted === 0) return false;
    const earlierSpam = await m
      .getRepository(LearnerTrainingEntity)
      .countBy({ userId: event.userId, sender, label: 'spam', undoneAt: IsNull() });
    return earlierSpam === 0;
  }

  private async globalContribution(
    m: EntityManager,
    store: BayesStore,
    userId: string,
    now: Date,
  ): Promise<{ userToday: number; userTotal: number; globalTotal: number }> {
    const trainings = m.getRepository(LearnerTrainingEntity);
    const dayStart = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
    // One after the other: the queries share the transaction's connection anyway.
    const userToday = await trainings.countBy({
      userId,
      trainedGlobal: true,
      createdAt: MoreThanOrEqual(dayStart),
    });
    const userTotal = await trainings.countBy({ userId, trainedGlobal: true, undoneAt: IsNull() });
    const totals = await store.totals(GLOBAL_SCOPE);
    return { userToday, userTotal, globalTotal: totals.spam + totals.ham };
  }

  private async senderBlockReason(m: EntityManager, userId: string, sender: string): Promise<string | null> {
    const threshold = this.config.learner.senderBlockThreshold;
    const marks = await m
      .getRepository(LearnerTrainingEntity)
      .countBy({ userId, sender, label: 'spam', undoneAt: IsNull() });
    return senderBlockDue(marks, threshold)
      ? `blocked by the learner: ${marks} spam marks from this sender (threshold ${threshold})`
      : null;
  }

  /** Adds a per-user block of the sender unless the user already has an entry for it (theirs wins). */
  private async addUserBlock(
    m: EntityManager,
    userId: string,
    sender: string,
    reason: string,
    now: Date,
  ): Promise<string | null> {
    const entries = m.getRepository(ListEntryEntity);
    const existing = await entries.findOneBy({
      scope: 'user',
      scopeId: userId,
      matchType: 'address',
      value: sender,
      direction: Not('outbound'),
    });
    if (existing) return null;
    const id = randomUUID();
    await entries.insert({
      id,
      scope: 'user',
      scopeId: userId,
      kind: 'block',
      matchType: 'address',
      value: sender,
      direction: 'inbound',
      reason,
      createdBy: 'learner',
      createdAt: now,
      expiresAt: null,
    });
    return id;
  }
}

/** Each user's contribution to the global layer is its own record, so one user's undo removes only theirs. */
function globalFingerprint(userId: string, fingerprint: string): string {
  return createHash('sha256').update(`${userId}:${fingerprint}`).digest('hex');
}
