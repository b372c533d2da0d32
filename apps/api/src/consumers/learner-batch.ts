import { readScanTraining, type BayesDeltaSum, type ScanTraining } from '@spamfilter/bayes';
import {
  LearnerTrainingEntity,
  ListEntryEntity,
  OutboxEventEntity,
  ScanRecordEntity,
  bulkInsert,
  isBatchBayesStore,
  queryRows,
  type NewOutboxEvent,
} from '@spamfilter/persistence';
import { In, IsNull, type EntityManager } from 'typeorm';
import type { FeedbackPayload } from '../services/feedback-payload';
import type { LearnerBayesStore } from './learner.service';

const DAY_MS = 86_400_000;
/** list_entry.created_by of the blocks the learner makes (the lists API shows them as learned from marks). */
export const LEARNER_ACTOR = 'learner';
/** Keys per IN (...) list: far below both drivers' bind-parameter limits. */
const IN_CHUNK = 500;
/** Outbox rows per INSERT (each carries a token list; keeps statements a few MB at most). */
const OUTBOX_CHUNK = 200;

const pair = (a: string, b: string): string => `${a}\u0000${b}`;

function chunked<T>(list: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * The state one learner batch reads and writes, so the batch costs a handful of statements instead of ~25 round
 * trips per event (issue 6 throughput): everything the rules read (scan training data, the user's active
 * learner_training rows, the cap and sender-block counters, scope versions, what each message was trained as) is
 * loaded once for the whole batch in `prepare`, kept current in memory as the events apply one after the other,
 * and written once in `flush` — all inside the batch's transaction, so the result is the per-event result.
 */
export class LearnerBatch {
  private readonly scans = new Map<string, ScanTraining | null>();
  /** The active (not undone) training of (user, message), as of the events applied so far. */
  private readonly active = new Map<string, LearnerTrainingEntity | null>();
  private readonly inserts: LearnerTrainingEntity[] = [];
  /** Rows that existed before the batch and were undone in it. */
  private readonly undone = new Set<string>();
  private readonly userToday = new Map<string, number>();
  private readonly userTotal = new Map<string, number>();
  private readonly senderSpam = new Map<string, number>();
  /** Versions taken per scope in this batch; the stored base is added at flush, under the row lock. */
  private readonly versions = new Map<string, number>();
  private readonly outbox: NewOutboxEvent[] = [];
  /** The batch's net change per Bayes scope, published as one event each. */
  readonly deltas = new Map<string, BayesDeltaSum>();
  /** (user, sender) pairs the user already has an address entry for (theirs wins over the learner's block). */
  private readonly listed = new Set<string>();
  private readonly blocks: ListEntryEntity[] = [];
  /** (user, sender) → references of up to two scans the user accepted from that sender. */
  private readonly accepted = new Map<string, string[]>();

  constructor(
    readonly manager: EntityManager,
    readonly store: LearnerBayesStore,
    readonly now: Date,
  ) {}

  /** Loads what `events` (in order, already deduplicated) will read. */
  async prepare(
    events: readonly FeedbackPayload[],
    globalFingerprint: (u: string, f: string) => string,
  ): Promise<void> {
    const refs = [
      ...new Set(events.filter((e) => !e.training && e.reference).map((e) => e.reference as string)),
    ];
    for (const part of chunked(refs)) {
      const records = await this.manager.getRepository(ScanRecordEntity).find({
        where: { reference: In(part) },
        select: { reference: true, training: true, mailFrom: true },
      });
      for (const record of records) {
        const training = readScanTraining(record.training);
        this.scans.set(
          record.reference,
          training
            ? {
                ...training,
                sender: training.sender ?? (record.mailFrom ? record.mailFrom.toLowerCase() : null),
              }
            : null,
        );
      }
    }

    const users = [...new Set(events.map((e) => e.userId))];
    const fingerprints = [...new Set(events.map((e) => e.messageId))];
    for (const e of events) this.active.set(pair(e.userId, e.messageId), null);
    for (const us of chunked(users)) {
      for (const fs of chunked(fingerprints)) {
        const rows = await this.manager.getRepository(LearnerTrainingEntity).find({
          where: { userId: In(us), messageFingerprint: In(fs), undoneAt: IsNull() },
        });
        for (const r of rows) {
          const k = pair(r.userId, r.messageFingerprint);
          if (r.undoneAt === null && this.active.get(k) === null) this.active.set(k, r);
        }
      }
    }

    const dayStart = new Date(Math.floor(this.now.getTime() / DAY_MS) * DAY_MS);
    // The senders of the batch's marks, and of the trainings an undo or correction removes (a learned block's count).
    const senders = [
      ...new Set(
        [
          ...events.map((e) => this.trainingOf(e)?.sender),
          ...[...this.active.values()].map((r) => r?.sender),
        ].filter((s): s is string => !!s),
      ),
    ];
    for (const us of chunked(users)) {
      const today = await this.manager
        .getRepository(LearnerTrainingEntity)
        .createQueryBuilder('t')
        .select('t.userId', 'userId')
        .addSelect('COUNT(*)', 'n')
        .where({ userId: In(us), trainedGlobal: true })
        .andWhere('t.createdAt >= :dayStart', { dayStart })
        .groupBy('t.userId')
        .getRawMany<{ userId: string; n: number | string }>();
      for (const r of today) this.userToday.set(r.userId, Number(r.n));
      const total = await this.manager
        .getRepository(LearnerTrainingEntity)
        .createQueryBuilder('t')
        .select('t.userId', 'userId')
        .addSelect('COUNT(*)', 'n')
        .where({ userId: In(us), trainedGlobal: true })
        .andWhere('t.undoneAt IS NULL')
        .groupBy('t.userId')
        .getRawMany<{ userId: string; n: number | string }>();
      for (const r of total) this.userTotal.set(r.userId, Number(r.n));
      for (const ss of senders.length ? chunked(senders) : []) {
        const marks = await this.manager
          .getRepository(LearnerTrainingEntity)
          .createQueryBuilder('t')
          .select('t.userId', 'userId')
          .addSelect('t.sender', 'sender')
          .addSelect('COUNT(*)', 'n')
          .where({ userId: In(us), sender: In(ss), label: 'spam' })
          .andWhere('t.undoneAt IS NULL')
          .groupBy('t.userId')
          .addGroupBy('t.sender')
          .getRawMany<{ userId: string; sender: string; n: number | string }>();
        for (const r of marks) this.senderSpam.set(pair(r.userId, r.sender), Number(r.n));
      }
    }

    // The sender-block rule's reads, for every (user, sender) of the batch's spam marks, in a few statements.
    const spamPairs = new Map<string, { userId: string; sender: string; list: boolean }>();
    for (const e of events) {
      const t = e.label === 'spam' ? this.trainingOf(e) : null;
      if (!t?.sender) continue;
      const k = pair(e.userId, t.sender);
      const known = spamPairs.get(k);
      spamPairs.set(k, {
        userId: e.userId,
        sender: t.sender,
        list: (known?.list ?? false) || t.listUnsubscribe,
      });
    }
    const spamUsers = [...new Set([...spamPairs.values()].map((p) => p.userId))];
    const spamSenders = [...new Set([...spamPairs.values()].map((p) => p.sender))];
    for (const us of chunked(spamUsers)) {
      for (const ss of chunked(spamSenders)) {
        const rows = await queryRows<{ scope_id: string; value: string }>(
          this.manager,
          `SELECT scope_id, value FROM list_entry WHERE scope = 'user' AND match_type = 'address'
             AND direction <> 'outbound' AND scope_id IN (:...us) AND value IN (:...ss)`,
          { us, ss },
        );
        for (const r of rows) this.listed.add(pair(r.scope_id, r.value));
      }
    }
    await this.loadAccepted([...spamPairs.values()].filter((p) => p.list));

    if (isBatchBayesStore(this.store)) {
      await this.store.prefetch(
        events.flatMap((e) => [
          { scope: `user:${e.userId}`, fingerprint: e.messageId },
          { scope: 'global', fingerprint: globalFingerprint(e.userId, e.messageId) },
        ]),
      );
      await this.store.prefetchTotals(['global', ...users.map((u) => `user:${u}`)]);
    }
  }

  /**
   * Up to two scans each (user, sender) pair accepted (delivered without tag or reject), matched by MAIL FROM or the
   * From: header, as the list-preference rule asks; one statement per 100 pairs.
   */
  private async loadAccepted(pairs: readonly { userId: string; sender: string }[]): Promise<void> {
    for (const part of chunked(pairs, 100)) {
      const params: Record<string, unknown> = {};
      const selects = part.map((p, i) => {
        params[`u${i}`] = p.userId;
        params[`s${i}`] = p.sender;
        params[`l${i}`] = `%${p.sender.replace(/[%_]/g, '')}%`;
        return `SELECT * FROM (SELECT ${i} AS i, r.reference AS reference FROM scan_recipient r
          INNER JOIN scan_record s ON s.reference = r.reference
          WHERE r.user_id = :u${i} AND r.action = 'accept'
            AND (LOWER(s.mail_from) = :s${i} OR LOWER(s.header_from) LIKE :l${i}) LIMIT 2) AS q${i}`;
      });
      const rows = await queryRows<{ i: number | string; reference: string }>(
        this.manager,
        selects.join(' UNION ALL '),
        params,
      );
      for (const p of part) this.accepted.set(pair(p.userId, p.sender), []);
      for (const r of rows) {
        const p = part[Number(r.i)];
        if (p) this.accepted.get(pair(p.userId, p.sender))?.push(r.reference);
      }
    }
  }

  /** The user accepted a scan from this sender other than `reference` (prepared for the batch's spam marks). */
  acceptedFrom(userId: string, sender: string, reference: string | null): boolean {
    return (this.accepted.get(pair(userId, sender)) ?? []).some((r) => r !== reference);
  }

  /** Adds the learner's block of `sender` for the user unless the user has an entry for it; returns its id or null. */
  addBlock(userId: string, sender: string, reason: string, now: Date, id: string): string | null {
    const k = pair(userId, sender);
    if (this.listed.has(k)) return null;
    this.listed.add(k);
    const entry = new ListEntryEntity();
    Object.assign(entry, {
      id,
      scope: 'user',
      scopeId: userId,
      kind: 'block',
      matchType: 'address',
      value: sender,
      direction: 'inbound',
      reason,
      createdBy: LEARNER_ACTOR,
      createdAt: now,
      expiresAt: null,
      requires: null,
    });
    this.blocks.push(entry);
    return id;
  }

  /**
   * Deletes the learner's block of `sender` for the user (one made earlier in this batch, or stored); returns the ids
   * removed. Entries the user, an admin or an operator made are never touched: only createdBy 'learner' ones.
   */
  async liftBlocks(userId: string, sender: string): Promise<string[]> {
    const ids: string[] = [];
    const pending = this.blocks.findIndex((b) => b.scopeId === userId && b.value === sender);
    if (pending >= 0) ids.push(...this.blocks.splice(pending, 1).map((b) => b.id));
    const stored = await queryRows<{ id: string }>(
      this.manager,
      `SELECT id FROM list_entry WHERE scope = 'user' AND scope_id = :userId AND created_by = :learner
         AND kind = 'block' AND match_type = 'address' AND value = :sender`,
      { userId, sender, learner: LEARNER_ACTOR },
    );
    if (stored.length > 0) {
      await this.manager.getRepository(ListEntryEntity).delete({ id: In(stored.map((r) => r.id)) });
      ids.push(...stored.map((r) => r.id));
    }
    if (ids.length > 0) this.listed.delete(pair(userId, sender));
    return ids;
  }

  /** The event's training data: carried by a raw mark, else the scan record's (sender falls back to MAIL FROM). */
  trainingOf(event: FeedbackPayload): ScanTraining | null {
    if (event.training) return event.training;
    return event.reference ? (this.scans.get(event.reference) ?? null) : null;
  }

  activeTraining(userId: string, fingerprint: string): LearnerTrainingEntity | null {
    return this.active.get(pair(userId, fingerprint)) ?? null;
  }

  /** This user's global trainings today and ever (net of undo), before the next one. */
  globalCounts(userId: string): { userToday: number; userTotal: number } {
    return { userToday: this.userToday.get(userId) ?? 0, userTotal: this.userTotal.get(userId) ?? 0 };
  }

  /** The user's active spam marks on this sender. */
  senderSpamMarks(userId: string, sender: string): number {
    return this.senderSpam.get(pair(userId, sender)) ?? 0;
  }

  record(row: LearnerTrainingEntity): void {
    this.inserts.push(row);
    this.active.set(pair(row.userId, row.messageFingerprint), row);
    if (row.trainedGlobal) {
      this.userToday.set(row.userId, (this.userToday.get(row.userId) ?? 0) + 1);
      this.userTotal.set(row.userId, (this.userTotal.get(row.userId) ?? 0) + 1);
    }
    if (row.label === 'spam' && row.sender !== null) {
      const k = pair(row.userId, row.sender);
      this.senderSpam.set(k, (this.senderSpam.get(k) ?? 0) + 1);
    }
  }

  markUndone(row: LearnerTrainingEntity): void {
    if (row.undoneAt !== null) return;
    row.undoneAt = this.now;
    if (!this.inserts.includes(row)) this.undone.add(row.eventId);
    const k = pair(row.userId, row.messageFingerprint);
    if (this.active.get(k) === row) this.active.set(k, null);
    if (row.trainedGlobal) this.userTotal.set(row.userId, (this.userTotal.get(row.userId) ?? 0) - 1);
    if (row.label === 'spam' && row.sender !== null) {
      const s = pair(row.userId, row.sender);
      this.senderSpam.set(s, (this.senderSpam.get(s) ?? 0) - 1);
    }
  }

  /**
   * The scope's next version relative to the stored one (1, 2, … in this batch). The stored version is read and
   * locked only in `flushModel`, at the end of the batch: concurrent learners (other partitions) then apply their
   * events in parallel and queue only for the shared 'global' rows' writes.
   */
  bumpVersion(scope: string): number {
    const v = (this.versions.get(scope) ?? 0) + 1;
    this.versions.set(scope, v);
    return v;
  }

  addOutbox(event: NewOutboxEvent): void {
    this.outbox.push(event);
  }

  /**
   * Writes the batch's model (Bayes counts, learner_training rows) and its scope versions; returns each scope's
   * version before the batch, by which the caller turns the relative versions of `bumpVersion` into absolute ones.
   */
  async flushModel(): Promise<(scope: string) => number> {
    // This batch's own rows first; the Bayes store writes the shared global rows last (locks held until the commit).
    await bulkInsert(this.manager, LearnerTrainingEntity, this.inserts);
    await bulkInsert(this.manager, ListEntryEntity, this.blocks);
    for (const part of chunked([...this.undone]))
      await this.manager
        .getRepository(LearnerTrainingEntity)
        .update({ eventId: In(part) }, { undoneAt: this.now });
    if (isBatchBayesStore(this.store)) await this.store.flush();

    // Locked on PostgreSQL until the commit (as the per-event UPDATE … version + 1 did), in one order for all
    // learners; SQLite has one writer per file.
    const scopes = [...this.versions.keys()].sort();
    const base = new Map<string, number>();
    const lock = this.manager.connection.options.type === 'postgres' ? ' ORDER BY scope FOR UPDATE' : '';
    for (const part of chunked(scopes)) {
      const rows = await queryRows<{ scope: string; version: number | string }>(
        this.manager,
        `SELECT scope, version FROM learner_scope_version WHERE scope IN (:...part)${lock}`,
        { part },
      );
      for (const r of rows) base.set(r.scope, Number(r.version));
      // Existing rows are locked: their new value is exact. A scope's first version is a plain INSERT, so racing
      // another learner's first version of the same scope fails the batch (unique key), which is then retried
      // event by event, instead of overwriting it.
      for (const existing of [true, false]) {
        const scoped = part.filter((scope) => base.has(scope) === existing);
        if (scoped.length === 0) continue;
        const params: Record<string, unknown> = {};
        const values = scoped.map((scope, i) => {
          params[`s${i}`] = scope;
          return `(:s${i}, ${(base.get(scope) ?? 0) + (this.versions.get(scope) ?? 0)})`;
        });
        await queryRows(
          this.manager,
          `INSERT INTO learner_scope_version (scope, version) VALUES ${values.join(',')}${
            existing ? ' ON CONFLICT (scope) DO UPDATE SET version = excluded.version' : ''
          }`,
          params,
        );
      }
    }
    return (scope) => base.get(scope) ?? 0;
  }

  /** Writes the model-change events, after flushModel (relay order = id order = version order per key). */
  async flushOutbox(): Promise<void> {
    for (const part of chunked(this.outbox, OUTBOX_CHUNK)) {
      await this.manager
        .createQueryBuilder()
        .insert()
        .into(OutboxEventEntity)
        .values(
          part.map((e) => ({
            topic: e.topic,
            messageKey: e.key,
            payload: e.payload as never,
            createdAt: this.now,
            publishedAt: null,
            lockedUntil: null,
            attempts: 0,
            lastError: null,
          })),
        )
        .execute();
    }
  }
}
