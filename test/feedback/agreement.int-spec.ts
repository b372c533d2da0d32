import { GLOBAL_SCOPE, spamClassifierOptions, tokenize } from '@spamfilter/bayes';
import { EventBus, TOPICS } from '@spamfilter/messaging';
import { parseMessageSync } from '@spamfilter/mail';
import {
  CampaignMarkEntity,
  LearnerTrainingEntity,
  LearnerTrustEntity,
  ProcessedEventEntity,
} from '@spamfilter/persistence';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, createUser, OPERATOR_KEY, type TestUser } from '../api/api-fixtures';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import {
  corpus,
  corpusAvailable,
  feedbackConfig,
  scan,
  scoreFor,
  seedGlobal,
  startLoop,
  variant,
  waitFor,
  waitForRecord,
  type Loop,
} from './feedback-harness';

/**
 * The learner's rules on who teaches what, through the whole loop (API → outbox → Kafka → learner → PostgreSQL → the
 * filter's next verdict), with the deployed classifier options (floor, blend) and Bayes alone.
 */
const run = corpusAvailable() ? describe : describe.skip;

async function markAndWait(
  loop: Loop,
  token: string,
  reference: string,
  label: 'spam' | 'ham',
): Promise<string> {
  const processed = () => loop.db.getRepository(ProcessedEventEntity).countBy({ consumer: 'learner' });
  const before = await processed();
  const res = await request(loop.api.getHttpServer() as never)
    .post('/v1/marks')
    .set(bearer(token))
    .send({ reference, label })
    .expect(201);
  await waitFor(async () => (await processed()) > before);
  return res.body.eventId as string;
}

const trainingOf = (loop: Loop, eventId: string) =>
  loop.db.getRepository(LearnerTrainingEntity).findOneByOrFail({ eventId });
const bayesNames = (v: Awaited<ReturnType<typeof scan>>, rcpt: string): string[] =>
  v.recipients
    .find((r) => r.recipient === rcpt)!
    .symbols.filter((s) => s.name.startsWith('BAYES_'))
    .map((s) => s.name);

run('a fresh installation: marks count from the first, and share only with consent', () => {
  let tdb: TestDatabase;
  let loop: Loop;
  let alice: TestUser;
  let bob: TestUser;
  const ALICE = 'alice@example.org';
  const BOB = 'bob@example.org';

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    // The product's floor (200 per class) and an empty global layer: a new installation without a starter model.
    const config = feedbackConfig(tdb.config.url, {
      BAYES_MIN_LEARNS: '200',
      LEARNER_SENDER_BLOCK_THRESHOLD: '0',
    });
    loop = await startLoop(config, {}, { ...spamClassifierOptions(config.bayes), logistic: null });
    alice = await createUser(loop.api, ALICE);
    bob = await createUser(loop.api, BOB);
  }, 120_000);

  afterAll(async () => {
    await loop?.close();
    await tdb?.drop();
  });

  it("the first spam mark changes that user's next similar verdict; another user's stays", async () => {
    const offer = corpus('spam', 1, 150)[0]!;
    const first = await scan(loop, offer, [ALICE, BOB]);
    // Nothing trained anywhere: Bayes has nothing to say (the global layer is below its floor, no user has marked).
    expect(bayesNames(first, ALICE)).toEqual([]);
    await waitForRecord(loop, first.reference);
    const next = variant(offer, 1);
    const before = await scan(loop, next, [ALICE, BOB]);
    await markAndWait(loop, alice.token, first.reference, 'spam');
    const after = await scan(loop, next, [ALICE, BOB]);
    expect(bayesNames(after, ALICE)).toEqual(['BAYES_SPAM']);
    expect(scoreFor(after, ALICE)).toBeGreaterThan(scoreFor(before, ALICE) + 3);
    expect(bayesNames(after, BOB)).toEqual([]);
    expect(scoreFor(after, BOB)).toBe(scoreFor(before, BOB));
  });

  it("without consent a mark trains its user only; a domain policy and the user's own answer decide, through the API", async () => {
    const server = loop.api.getHttpServer() as never;
    const sharing = async (token: string) =>
      (await request(server).get('/v1/me/sharing').set(bearer(token)).expect(200)).body;
    expect(await sharing(alice.token)).toMatchObject({
      share: false,
      source: 'installation',
      user: null,
      domain: null,
    });

    const raw = variant(corpus('spam', 1, 151)[0]!, 2);
    const v = await scan(loop, raw, [ALICE]);
    await waitForRecord(loop, v.reference);
    const globalBefore = await loop.store.totals(GLOBAL_SCOPE);
    const unshared = await markAndWait(loop, alice.token, v.reference, 'spam');
    expect(await trainingOf(loop, unshared)).toMatchObject({
      trainedGlobal: false,
      note: expect.stringMatching(/no consent .*installation/),
    });
    expect(await loop.db.getRepository(CampaignMarkEntity).countBy({ eventId: unshared })).toBe(0);
    expect(await loop.store.totals(GLOBAL_SCOPE)).toEqual(globalBefore);

    // A user cannot set the domain's policy; its admin (or an operator) can.
    const admin = await createUser(loop.api, 'admin@example.org', 'domain_admin');
    await request(server)
      .put('/v1/domains/example.org/sharing')
      .set(bearer(bob.token))
      .send({ share: true })
      .expect(403);
    await request(server)
      .put('/v1/domains/other.example/sharing')
      .set(bearer(admin.token))
      .send({ share: true })
      .expect(404);
    const policy = await request(server)
      .put('/v1/domains/example.org/sharing')
      .set(bearer(admin.token))
      .send({ share: true })
      .expect(200);
    expect(policy.body).toMatchObject({ share: true, source: 'domain', domain: true });
    expect(await sharing(bob.token)).toMatchObject({
      share: true,
      source: 'domain',
      user: null,
      domain: true,
    });
    // Alice says no for herself: her answer wins over the domain's.
    await request(server).put('/v1/me/sharing').set(bearer(alice.token)).send({ share: false }).expect(200);
    expect(await sharing(alice.token)).toMatchObject({
      share: false,
      source: 'user',
      user: false,
      domain: true,
    });
    await request(server).put('/v1/me/sharing').set(bearer(alice.token)).send({ share: 'yes' }).expect(400);
    const byOperator = await request(server)
      .get(`/v1/users/${alice.id}/sharing`)
      .set(bearer(OPERATOR_KEY))
      .expect(200);
    expect(byOperator.body).toMatchObject({ share: false, source: 'user' });

    const forBob = await scan(loop, variant(raw, 3), [BOB]);
    const forAlice = await scan(loop, variant(raw, 4), [ALICE]);
    await waitForRecord(loop, forBob.reference);
    await waitForRecord(loop, forAlice.reference);
    const shared = await markAndWait(loop, bob.token, forBob.reference, 'spam');
    const refused = await markAndWait(loop, alice.token, forAlice.reference, 'spam');
    // Bob's mark is shared: a campaign vote (a MinHash signature, nothing else of the message) and the agreement rule
    // decides about the global layer. Alice's is not.
    expect((await trainingOf(loop, shared)).note ?? '').not.toMatch(/consent/);
    const vote = await loop.db.getRepository(CampaignMarkEntity).findOneByOrFail({ eventId: shared });
    expect(vote).toMatchObject({
      voter: bob.id,
      label: 'spam',
      signature: expect.stringMatching(/^[0-9a-f]{256}$/),
    });
    expect(await trainingOf(loop, refused)).toMatchObject({
      trainedGlobal: false,
      note: expect.stringMatching(/no consent.*\(user\)/),
    });
    expect(await loop.db.getRepository(CampaignMarkEntity).countBy({ eventId: refused })).toBe(0);

    // The domain stops sharing: bob (no answer of his own) stops too, and his vote is taken back by the learner. The
    // change sends one `unshare` event per user it stops sharing for, so the wait is for bob's vote itself, not for
    // the learner's next event (which may be another user's).
    expect(await loop.db.getRepository(CampaignMarkEntity).countBy({ voter: bob.id })).toBeGreaterThan(0);
    await request(server)
      .put('/v1/domains/example.org/sharing')
      .set(bearer(admin.token))
      .send({ share: null })
      .expect(200);
    expect(await sharing(bob.token)).toMatchObject({ share: false, source: 'installation' });
    await waitFor(
      async () => (await loop.db.getRepository(CampaignMarkEntity).countBy({ voter: bob.id })) === 0,
      30_000,
      25,
      "bob's campaign vote taken back after his domain stopped sharing",
    );
  });
});

run('global learning by agreement (one hostile account moves nothing) and legitimate bulk mail', () => {
  let tdb: TestDatabase;
  let loop: Loop;
  let mallory: TestUser;
  let carol: TestUser;
  const MALLORY = 'mallory@example.net';
  const CAROL = 'carol@example.net';

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    const config = feedbackConfig(tdb.config.url, {
      LEARNER_SHARE_DEFAULT: 'true',
      LEARNER_TRUST_MIN_AGE_DAYS: '0',
      LEARNER_TRUST_MARKS: '2',
      LEARNER_SENDER_BLOCK_THRESHOLD: '0',
      LEARNER_CAMPAIGN_USERS: '0',
    });
    loop = await startLoop(config, {}, { ...spamClassifierOptions(config.bayes), logistic: null });
    await seedGlobal(loop.store, corpus('spam', 40), corpus('ham', 40));
    mallory = await createUser(loop.api, MALLORY);
    carol = await createUser(loop.api, CAROL);
  }, 120_000);

  afterAll(async () => {
    await loop?.close();
    await tdb?.drop();
  });

  it('a user marking ham the filter is sure of as spam teaches the global layer nothing, and loses weight', async () => {
    const global = await loop.store.totals(GLOBAL_SCOPE);
    for (const [i, raw] of corpus('ham', 4, 60).entries()) {
      const v = await scan(loop, variant(raw, 40 + i), [MALLORY]);
      await waitForRecord(loop, v.reference);
      const event = await markAndWait(loop, mallory.token, v.reference, 'spam');
      expect(await trainingOf(loop, event)).toMatchObject({
        trainedGlobal: false,
        note: expect.stringMatching(/awaiting agreement/),
      });
    }
    expect(await loop.store.totals(GLOBAL_SCOPE)).toEqual(global);
    expect(
      await loop.db.getRepository(LearnerTrustEntity).findOneByOrFail({ userId: mallory.id }),
    ).toMatchObject({ agreed: 0, disagreed: 4 });
  });

  it('a user whose marks agree with the filter earns the weight to teach it, one mark at a time', async () => {
    const global = await loop.store.totals(GLOBAL_SCOPE);
    const outcomes: boolean[] = [];
    // Copies of spam the global layer was trained on: its verdict at scan time is confidently spam.
    for (const [i, raw] of corpus('spam', 3, 0).entries()) {
      const v = await scan(loop, variant(raw, 50 + i), [CAROL]);
      await waitForRecord(loop, v.reference);
      outcomes.push(
        (await trainingOf(loop, await markAndWait(loop, carol.token, v.reference, 'spam'))).trainedGlobal,
      );
    }
    // First mark: weight 0.25 + the filter's 1 < 1.5. From the second (two agreeing marks: 0.67): it teaches.
    expect(outcomes).toEqual([false, true, true]);
    expect(await loop.store.totals(GLOBAL_SCOPE)).toEqual({ spam: global.spam + 2, ham: global.ham });
    expect(
      await loop.db.getRepository(LearnerTrustEntity).findOneByOrFail({ userId: carol.id }),
    ).toMatchObject({ agreed: 3, disagreed: 0 });
  });

  it('a spam mark on legitimate bulk mail trains its user only and suggests unsubscribing', async () => {
    const raw = corpus('hard_ham', 1, 20)[0]!;
    const training = tokenize(parseMessageSync(raw));
    const bus = loop.api.get(EventBus);
    const processed = () => loop.db.getRepository(ProcessedEventEntity).countBy({ consumer: 'learner' });
    const send = async (dkimAligned: boolean): Promise<string> => {
      const eventId = randomUUID();
      const before = await processed();
      // A raw mark's event as the API publishes it, with the scan's facts (what scan_record.training carries).
      await bus.publish(TOPICS.feedback, carol.id, {
        eventId,
        userId: carol.id,
        tenantId: 't',
        kind: 'learn',
        label: 'spam',
        reference: null,
        messageId: randomUUID().replace(/-/g, ''),
        occurredAt: new Date().toISOString(),
        training: {
          tokens: Array.from(training.ids),
          sender: 'news@shop.example',
          listUnsubscribe: true,
          globalLogit: 3,
          dkimAligned,
          reputation: 'good',
        },
      } as never);
      await waitFor(async () => (await processed()) > before);
      return eventId;
    };
    const bulk = await send(true);
    expect(await trainingOf(loop, bulk)).toMatchObject({
      trainedGlobal: false,
      note: expect.stringMatching(/legitimate bulk.*unsubscrib/),
    });
    expect(await loop.db.getRepository(CampaignMarkEntity).countBy({ eventId: bulk })).toBe(0);
    // The same mail without an aligned signature is not known to be the sender's own: the ordinary rules apply
    // (carol is trusted and the filter agreed, so it teaches the global layer).
    const unsigned = await send(false);
    expect(await trainingOf(loop, unsigned)).toMatchObject({ trainedGlobal: true });
  });

  it("withdrawing consent takes the user's marks back out of the global layer, and keeps them in their own", async () => {
    const trainings = loop.db.getRepository(LearnerTrainingEntity);
    const given = await trainings.findBy({ userId: carol.id, trainedGlobal: true });
    expect(given.length).toBeGreaterThanOrEqual(3);
    const global = await loop.store.totals(GLOBAL_SCOPE);
    const own = await loop.store.totals(`user:${carol.id}`);
    const processed = () => loop.db.getRepository(ProcessedEventEntity).countBy({ consumer: 'learner' });
    const before = await processed();
    await request(loop.api.getHttpServer() as never)
      .put('/v1/me/sharing')
      .set(bearer(carol.token))
      .send({ share: false })
      .expect(200);
    await waitFor(async () => (await processed()) > before);
    expect(await loop.store.totals(GLOBAL_SCOPE)).toEqual({
      spam: global.spam - given.length,
      ham: global.ham,
    });
    expect(await loop.store.totals(`user:${carol.id}`)).toEqual(own);
    expect(await trainings.countBy({ userId: carol.id, trainedGlobal: true })).toBe(0);
    expect((await trainings.findOneByOrFail({ eventId: given[0]!.eventId })).note).toMatch(
      /consent withdrawn/,
    );
  });
});
