import { ModelChangeApplier, scopeOfUser, type BayesDeltaTarget } from '@spamfilter/bayes';
import { loadConfig } from '@spamfilter/config';
import type { ModelChangeEvent } from '@spamfilter/domain';
import { BatchedBayesStore, openDataSource, TypeOrmBayesStore } from '@spamfilter/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import {
  createPostgresTestDatabase,
  sqliteMemoryConfig,
  type TestDatabase,
} from '../../../../test/persistence/test-databases';
import type { FeedbackPayload } from '../services/feedback-payload';
import { LearnerBayesStores, LearnerService, type LearnOutcome } from './learner.service';

/*
 * The batched learner (one transaction, batch-level SQL) must leave exactly what handling the same events one at a
 * time leaves: every learner table, the Bayes tables, the outbox deltas and versions, and the outcomes. The events
 * mix users, corrections and undo of marks from the same batch, repeated event ids, the sender-block rule and the
 * global daily cap, so the in-memory state the batch keeps between events is exercised.
 */
const config = loadConfig({
  LEARNER_SENDER_BLOCK_THRESHOLD: '3',
  LEARNER_GLOBAL_DAILY_CAP: '4',
  LEARNER_GLOBAL_USER_FLOOR: '2',
  LEARNER_GLOBAL_MAX_USER_FRACTION: '0.6',
  // Every mark may reach the global layer (consent and agreement are agreement.int-spec's), so the caps are exercised.
  LEARNER_SHARE_DEFAULT: 'true',
  LEARNER_GLOBAL_MIN_SUPPORT: '0',
});

class Stores extends LearnerBayesStores {
  constructor(private readonly batched: boolean) {
    super();
  }
  forTransaction(m: EntityManager): BatchedBayesStore | TypeOrmBayesStore {
    return this.batched ? new BatchedBayesStore(m) : new TypeOrmBayesStore(m);
  }
}

function tokens(seed: number, n = 40): number[] {
  // Overlapping ranges (shared tokens across messages), negative column values included (ids above 2^31).
  return Array.from({ length: n }, (_, i) => ((seed * 7 + i) * 2654435761) >>> 0);
}

function scenario(round = 0): FeedbackPayload[] {
  const out: FeedbackPayload[] = [];
  let n = 0;
  const learn = (
    userId: string,
    messageId: string,
    label: 'spam' | 'ham',
    seed: number,
    sender: string | null = 'bulk@spam.example',
    listUnsubscribe = false,
  ): FeedbackPayload => {
    const e = {
      eventId: `0000000${round}-0000-4000-8000-${String(++n).padStart(12, '0')}`,
      userId,
      tenantId: 't1',
      kind: 'learn',
      label,
      reference: null,
      messageId,
      occurredAt: new Date(0).toISOString(),
      training: { tokens: tokens(seed), sender, listUnsubscribe },
    } as unknown as FeedbackPayload;
    out.push(e);
    return e;
  };
  const undo = (userId: string, messageId: string): void => {
    out.push({
      eventId: `0000000${round}-0000-4000-8000-${String(++n).padStart(12, '0')}`,
      userId,
      tenantId: 't1',
      kind: 'undo',
      label: null,
      reference: null,
      messageId,
      occurredAt: new Date(0).toISOString(),
    } as unknown as FeedbackPayload);
  };
  const first = learn('u1', 'm1', 'spam', 1);
  learn('u2', 'm1', 'spam', 1);
  learn('u1', 'm2', 'spam', 2);
  learn('u1', 'm1', 'ham', 1); // correction inside the batch
  learn('u1', 'm3', 'spam', 3);
  learn('u1', 'm4', 'spam', 4); // third active spam mark on the sender: block
  learn('u1', 'm5', 'spam', 5, 'news@list.example', true);
  undo('u1', 'm2'); // undo of a mark from this batch
  undo('u1', 'm2'); // nothing left to undo
  learn('u1', 'm2', 'spam', 2); // trained again after the undo
  out.push(first); // a redelivered event
  for (let i = 0; i < 6; i++) learn('u3', `c${i}`, i % 2 ? 'ham' : 'spam', 10 + i, null); // past the daily cap
  undo('u3', 'c0');
  learn('u3', 'c1', 'spam', 11, null); // correction of a ham mark
  learn('u2', 'm1', 'spam', 1); // unchanged
  return out;
}

async function snapshot(db: DataSource, outcomes: readonly LearnOutcome[]): Promise<unknown> {
  const rows = async (sql: string): Promise<unknown[]> =>
    (await db.query(sql)).map((r: Record<string, unknown>) =>
      JSON.parse(JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))),
    );
  const stable = (text: string): unknown =>
    JSON.parse(text.replace(/"(id|eventId)":"[^"]+"/g, (_, k: string) => `"${k}":"*"`));
  const outbox = (await rows('SELECT message_key, payload FROM outbox_event ORDER BY id')).map((r) => {
    const { message_key, payload } = r as { message_key: string; payload: unknown };
    const p: unknown = typeof payload === 'string' ? JSON.parse(payload) : payload;
    return stable(JSON.stringify({ message_key, payload: p }));
  });
  return {
    outcomes: outcomes.map((o) => o.status),
    tokens: await rows('SELECT scope, token, spam, ham, last_day FROM bayes_token ORDER BY scope, token'),
    scopes: await rows('SELECT scope, spam, ham FROM bayes_scope ORDER BY scope'),
    trained: await rows(
      'SELECT scope, fingerprint, label, tokens, trained_at FROM bayes_trained ORDER BY scope, fingerprint',
    ),
    training: await rows(
      'SELECT event_id, user_id, message_fingerprint, label, sender, list_mail, trained_global, note, created_at, undone_at FROM learner_training ORDER BY event_id',
    ),
    versions: await rows('SELECT scope, version FROM learner_scope_version ORDER BY scope'),
    lists: await rows(
      'SELECT scope, scope_id, kind, match_type, value, direction, reason FROM list_entry ORDER BY scope_id, value',
    ),
    processed: await rows(
      "SELECT event_id FROM processed_event WHERE consumer = 'learner' ORDER BY event_id",
    ),
    outbox,
  };
}

type Model = Map<string, { spam: number; ham: number; tokens: Map<number, [number, number]> }>;

/**
 * What a filter that loaded every scope empty at version 0 holds after applying the run's outbox in order (libs/bayes'
 * ModelChangeApplier, counts clamped at 0 and tokens at 0/0 dropped, as the filter's cache does); throws on a version
 * gap or a repeat, so the versions must be consecutive per scope.
 */
function replay(outbox: readonly unknown[]): { model: Model; versions: Map<string, number> } {
  const model: Model = new Map();
  const scope = (s: string) => {
    let st = model.get(s);
    if (!st) {
      st = { spam: 0, ham: 0, tokens: new Map() };
      model.set(s, st);
    }
    return st;
  };
  const add = (s: string, t: number, ds: number, dh: number): void => {
    const st = scope(s);
    const c = st.tokens.get(t | 0) ?? [0, 0];
    const next: [number, number] = [Math.max(0, c[0] + ds), Math.max(0, c[1] + dh)];
    if (next[0] === 0 && next[1] === 0) st.tokens.delete(t | 0);
    else st.tokens.set(t | 0, next);
  };
  const target: BayesDeltaTarget = {
    applyDelta(s, tokens, label, delta) {
      const st = scope(s);
      st[label] = Math.max(0, st[label] + delta);
      for (const t of new Set(tokens)) add(s, t, label === 'spam' ? delta : 0, label === 'ham' ? delta : 0);
    },
    applyCounts(s, c) {
      const st = scope(s);
      st.spam = Math.max(0, st.spam + c.spam);
      st.ham = Math.max(0, st.ham + c.ham);
      c.tokens.forEach((t, i) => add(s, t, c.tokenSpam[i] as number, c.tokenHam[i] as number));
    },
    dropScope(s) {
      throw new Error(`version gap in ${s}`);
    },
  };
  const applier = new ModelChangeApplier(target);
  const versions = new Map<string, number>();
  for (const row of outbox) {
    const e = (row as { payload: ModelChangeEvent }).payload;
    if (e.kind !== 'bayes') continue;
    const s = scopeOfUser(e.userId);
    if (applier.versionOf(s) === undefined) applier.loaded(s, 0);
    expect(applier.apply(e)).toBe('applied');
    versions.set(s, e.version);
  }
  return { model, versions };
}

/** The same shape read from the tables: global token rows, each user scope summed over its trainings. */
function modelOfTables(snap: Record<string, unknown[]>): Model {
  const model: Model = new Map();
  for (const r of snap.scopes as { scope: string; spam: number; ham: number }[])
    if (r.spam + r.ham > 0) model.set(r.scope, { spam: r.spam, ham: r.ham, tokens: new Map() });
  for (const r of snap.tokens as { scope: string; token: number; spam: number; ham: number }[])
    model.get(r.scope)?.tokens.set(r.token, [r.spam, r.ham]);
  for (const r of snap.trained as { scope: string; label: string; tokens: unknown }[]) {
    if (r.scope === 'global') continue;
    const tokens = model.get(r.scope)?.tokens;
    const list = typeof r.tokens === 'string' ? (JSON.parse(r.tokens) as number[]) : (r.tokens as number[]);
    for (const t of list) {
      const c = tokens?.get(t) ?? [0, 0];
      c[r.label === 'spam' ? 0 : 1]++;
      tokens?.set(t, c);
    }
  }
  return model;
}

function withoutEmpty(model: Model): Model {
  return new Map([...model].filter(([, st]) => st.spam + st.ham > 0 || st.tokens.size > 0));
}

async function run(db: DataSource, batched: boolean, now: Date): Promise<unknown> {
  const learner = new LearnerService(db, new Stores(batched), config);
  const outcomes: LearnOutcome[] = [];
  // A second round with new event ids: the same marks again on a model that has versions (and rows) already.
  for (const events of [scenario(0), scenario(1)]) {
    if (batched) outcomes.push(...(await learner.handleBatch(events, now)));
    else for (const e of events) outcomes.push(await learner.handle(e, now));
  }
  return snapshot(db, outcomes);
}

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('batched learner on %s', (_name, postgres) => {
  let tdbs: TestDatabase[] = [];
  const open = async (): Promise<DataSource> => {
    if (!postgres) return openDataSource(sqliteMemoryConfig());
    const tdb = await createPostgresTestDatabase();
    tdbs.push(tdb);
    return openDataSource(tdb.config);
  };
  afterAll(async () => {
    for (const t of tdbs) await t.drop();
    tdbs = [];
  });

  it('leaves exactly what per-event handling leaves (tables, outcomes), and its outbox deltas rebuild the tables', async () => {
    const now = new Date(Date.UTC(2026, 10, 22, 12));
    const a = await open();
    const b = await open();
    try {
      const batched = (await run(a, true, now)) as Record<string, unknown[]>;
      const single = (await run(b, false, now)) as Record<string, unknown[]>;
      // The scenario reaches the rules it is meant to exercise.
      expect(single.lists).toHaveLength(1);
      expect(single.training.some((r) => (r as { note: string | null }).note?.includes('daily cap'))).toBe(
        true,
      );
      expect(single.outbox.length).toBeGreaterThan(20);
      const { outbox: batchedOutbox, versions: batchedVersions, ...batchedTables } = batched;
      const { outbox: singleOutbox, versions: singleVersions, ...singleTables } = single;
      expect(batchedTables).toEqual(singleTables);
      // Lists changes are per event in both; Bayes changes are one per scope per batch in the batched run.
      const listsOf = (o: unknown[]) =>
        o.filter((r) => (r as { payload: ModelChangeEvent }).payload.kind === 'lists');
      expect(listsOf(batchedOutbox!)).toEqual(listsOf(singleOutbox!));
      // (also proves the batch ran as one: had it fallen back to a transaction per event, it would publish as many)
      expect(batchedOutbox!.length).toBeLessThan(singleOutbox!.length / 3);
      for (const [outbox, versions] of [
        [batchedOutbox!, batchedVersions!],
        [singleOutbox!, singleVersions!],
      ]) {
        // A filter applying the outbox ends exactly where the tables are, at the stored versions.
        const replayed = replay(outbox);
        expect(withoutEmpty(replayed.model)).toEqual(withoutEmpty(modelOfTables(singleTables)));
        for (const [scope, version] of replayed.versions) expect(versions).toContainEqual({ scope, version });
      }
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });

  it('a second delivery of the whole batch changes nothing', async () => {
    const now = new Date(Date.UTC(2026, 10, 22, 12));
    const db = await open();
    try {
      const learner = new LearnerService(db, new Stores(true), config);
      await learner.handleBatch(scenario(), now);
      const before = await snapshot(db, []);
      const again = await learner.handleBatch(scenario(), now);
      expect(again.every((o) => o.status === 'duplicate')).toBe(true);
      expect(await snapshot(db, [])).toEqual(before);
    } finally {
      await db.destroy();
    }
  });

  it('a user layer over LEARNER_USER_MAX_TRAININGS loses its oldest trainings, published as deltas', async () => {
    const capped = loadConfig({
      LEARNER_USER_MAX_TRAININGS: '3',
      LEARNER_SHARE_DEFAULT: 'true',
      LEARNER_GLOBAL_MIN_SUPPORT: '0',
    });
    const db = await open();
    try {
      const learner = new LearnerService(db, new Stores(true), capped);
      const mark = (i: number, kind: 'learn' | 'undo' = 'learn'): FeedbackPayload =>
        ({
          eventId: `00000000-0000-4000-9000-${String(i + (kind === 'undo' ? 100 : 0)).padStart(12, '0')}`,
          userId: 'cap',
          tenantId: 't1',
          kind,
          label: kind === 'undo' ? null : 'spam',
          reference: null,
          messageId: `cap${i}`,
          occurredAt: new Date(0).toISOString(),
          training: { tokens: tokens(100 + i), sender: null, listUnsubscribe: false },
        }) as unknown as FeedbackPayload;
      await learner.handleBatch([mark(0), mark(1)], new Date(Date.UTC(2026, 10, 22, 12)));
      await learner.handleBatch([mark(2), mark(3), mark(4)], new Date(Date.UTC(2026, 10, 22, 13)));
      const snap = (await snapshot(db, [])) as Record<string, unknown[]>;
      const user = (snap.trained as { scope: string; fingerprint: string }[]).filter(
        (r) => r.scope === 'user:cap',
      );
      expect(user.map((r) => r.fingerprint).sort()).toEqual(['cap2', 'cap3', 'cap4']);
      expect(snap.scopes).toContainEqual({ scope: 'user:cap', spam: 3, ham: 0 });
      // The global layer keeps all five; the filters' deltas still rebuild the tables exactly.
      expect(snap.scopes).toContainEqual({ scope: 'global', spam: 5, ham: 0 });
      expect(withoutEmpty(replay(snap.outbox).model)).toEqual(withoutEmpty(modelOfTables(snap)));
      // Undoing a mark the cap removed: nothing left in the user layer, its global training goes.
      const [undo] = await learner.handleBatch([mark(0, 'undo')], new Date(Date.UTC(2026, 10, 22, 14)));
      expect(undo?.status).toBe('undone');
      const after = (await snapshot(db, [])) as Record<string, unknown[]>;
      expect(after.scopes).toContainEqual({ scope: 'user:cap', spam: 3, ham: 0 });
      expect(after.scopes).toContainEqual({ scope: 'global', spam: 4, ham: 0 });
      expect(withoutEmpty(replay(after.outbox).model)).toEqual(withoutEmpty(modelOfTables(after)));
    } finally {
      await db.destroy();
    }
  });

  it('a poison event fails alone: the events before it commit, the batch is rethrown for redelivery', async () => {
    const now = new Date(Date.UTC(2026, 10, 22, 12));
    const db = await open();
    try {
      const learner = new LearnerService(db, new Stores(true), config);
      const events = scenario().slice(0, 3);
      const poison = {
        ...events[2],
        eventId: '00000000-0000-4000-8000-ffffffffffff',
        messageId: 'poison',
        training: { tokens: null, sender: null, listUnsubscribe: false },
      } as unknown as FeedbackPayload;
      await expect(learner.handleBatch([events[0]!, events[1]!, poison, events[2]!], now)).rejects.toThrow(
        TypeError,
      );
      const processed = (await db.query(
        "SELECT event_id FROM processed_event WHERE consumer = 'learner' ORDER BY event_id",
      )) as { event_id: string }[];
      expect(processed.map((r) => r.event_id)).toEqual([events[0]!.eventId, events[1]!.eventId]);
      // Redelivered without the poison (e.g. after a fix): the rest completes, nothing twice.
      const again = await learner.handleBatch([events[0]!, events[1]!, events[2]!], now);
      expect(again.map((o) => o.status)).toEqual(['duplicate', 'duplicate', 'trained']);
    } finally {
      await db.destroy();
    }
  });
});
