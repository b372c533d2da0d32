import { CampaignEntity, CampaignMarkEntity, ProcessedEventEntity } from '@spamfilter/persistence';
import type { ScanVerdict } from '@spamfilter/domain';
import request from 'supertest';
import { bearer, createUser, OPERATOR_KEY, type TestUser } from '../api/api-fixtures';
import { corpus, corpusAvailable, variant } from '../feedback/feedback-harness';
import { arfReport } from '../operator/operator-fixtures';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import {
  postgresKafkaConfig,
  recipientOf,
  scanOn,
  seedGlobal,
  startStack,
  waitFor,
  waitForRecord,
  type Stack,
} from './propagation-harness';

/**
 * Campaigns across users, through the production wiring: the API (marks, outbox relay, learner) and TWO filter
 * instances on the real PostgreSQL and Kafka. Three users mark variants of one campaign spam; a fourth user's copy
 * scores CAMPAIGN on both instances within seconds; undoing a mark removes it; an ARF complaint votes like a mark;
 * a newsletter marked by one user makes no campaign.
 */
const run = corpusAvailable() ? describe : describe.skip;

run('campaigns across users and filter instances (PostgreSQL + Kafka, default wiring)', () => {
  let tdb: TestDatabase;
  let stack: Stack;
  const users: TestUser[] = [];
  const CLIENT = { ip: '203.0.113.7', mailFrom: 'offers@bulk.example' };
  const campaign = corpus('spam', 1, 200)[0]!;
  const newsletter = corpus('hard_ham', 1, 40)[0]!;

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    stack = await startStack(
      // The users are created by the test: established at once (LEARNER_TRUST_MIN_AGE_DAYS 0).
      postgresKafkaConfig(tdb.config.url, 'cmp', {
        LEARNER_SHARE_DEFAULT: 'true',
        LEARNER_SENDER_BLOCK_THRESHOLD: '0',
        LEARNER_TRUST_MIN_AGE_DAYS: '0',
      }),
      2,
      (db) => seedGlobal(db, corpus('spam', 40), corpus('ham', 40)),
    );
    for (let i = 1; i <= 5; i++) users.push(await createUser(stack.api, `user${i}@example.com`));
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
    await tdb?.drop();
  });

  const server = (): never => stack.api.getHttpServer() as never;
  const processed = () => stack.db.getRepository(ProcessedEventEntity).countBy({ consumer: 'learner' });
  /** CAMPAIGN applies to every recipient (a symbol of the whole message); the recipient's score includes it. */
  const campaignOf = (v: ScanVerdict, rcpt: string) =>
    recipientOf(v, rcpt) ? v.symbols.find((s) => s.name === 'CAMPAIGN') : undefined;

  /** The user receives `raw` (scanned on filter 0) and marks it; resolves with the mark's id once the learner has it. */
  async function receiveAndMark(user: TestUser, raw: Buffer, label: 'spam' | 'ham'): Promise<string> {
    const v = await scanOn(stack.filters[0]!, raw, [user.address], CLIENT);
    await waitForRecord(stack.db, v.reference);
    const before = await processed();
    const res = await request(server())
      .post('/v1/marks')
      .set(bearer(users[users.indexOf(user)]!.token))
      .send({ reference: v.reference, label })
      .expect(201);
    await waitFor(async () => (await processed()) > before, 20_000, 'the learner handled the mark');
    return res.body.id as string;
  }

  /** Scans the fourth user's copy on both instances until `present` holds on each; the time it took. */
  async function untilBoth(raw: Buffer, present: boolean): Promise<number> {
    const rcpt = users[3]!.address;
    return waitFor(
      async () => {
        for (const f of stack.filters)
          if ((campaignOf(await scanOn(f, raw, [rcpt], CLIENT), rcpt) !== undefined) !== present)
            return false;
        return true;
      },
      10_000,
      `CAMPAIGN ${present ? 'on' : 'off'} on both filter instances`,
      50,
    );
  }

  it("three users mark variants of one campaign: a fourth user's copy scores CAMPAIGN on every instance; undo removes it", async () => {
    const copy = variant(campaign, 99);
    const rcpt = users[3]!.address;
    const marks: string[] = [];
    for (let i = 0; i < 2; i++) marks.push(await receiveAndMark(users[i]!, variant(campaign, i), 'spam'));
    // Two voters are not a campaign.
    expect(await stack.db.getRepository(CampaignEntity).count()).toBe(0);
    expect(campaignOf(await scanOn(stack.filters[1]!, copy, [rcpt], CLIENT), rcpt)).toBeUndefined();

    marks.push(await receiveAndMark(users[2]!, variant(campaign, 2), 'spam'));
    const elapsed = await untilBoth(copy, true);
    process.stdout.write(`campaign: third mark handled → CAMPAIGN on both instances in ${elapsed} ms\n`);
    const v = await scanOn(stack.filters[1]!, copy, [rcpt], CLIENT);
    expect(campaignOf(v, rcpt)).toMatchObject({
      score: 6,
      options: [expect.any(String), expect.stringMatching(/^similarity=/), 'voters=3'],
    });
    // Only hashes are kept: signatures of 32 MinHash values (hex), a voter id and a label per vote; no text.
    const stored = await stack.db.getRepository(CampaignEntity).find();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.signature).toMatch(/^[0-9a-f]{256}$/);
    const votes = await stack.db.getRepository(CampaignMarkEntity).find();
    expect(votes.map((x) => Object.keys(x).sort())).toEqual(
      votes.map(() => ['createdAt', 'eventId', 'label', 'signature', 'voter']),
    );

    await request(server()).delete(`/v1/marks/${marks[1]!}`).set(bearer(users[1]!.token)).expect(200);
    await untilBoth(copy, false);
    expect(await stack.db.getRepository(CampaignEntity).count()).toBe(0);
  });

  it('an ARF complaint about a near-copy votes like a mark: the campaign is back', async () => {
    // users 1 and 3 still vote; a complaint about user 5's copy makes the third voter.
    const reported = await scanOn(stack.filters[0]!, variant(campaign, 7), [users[4]!.address], CLIENT);
    await waitForRecord(stack.db, reported.reference);
    await request(server())
      .post('/v1/operator/complaints/arf')
      .set({ ...bearer(OPERATOR_KEY), 'content-type': 'message/rfc822' })
      .send(arfReport(reported.reference))
      .expect(201);
    await untilBoth(variant(campaign, 98), true);
    const voters = (await stack.db.getRepository(CampaignMarkEntity).findBy({ label: 'spam' })).map(
      (x) => x.voter,
    );
    expect(voters.filter((x) => x.startsWith('arf:'))).toHaveLength(1);
    expect(voters).toHaveLength(3);
  });

  it('a newsletter marked spam by one user makes no campaign for the others', async () => {
    const reader = users[4]!;
    await receiveAndMark(reader, variant(newsletter, 1), 'spam');
    expect(await stack.db.getRepository(CampaignMarkEntity).countBy({ voter: reader.id })).toBe(1);
    const rcpt = users[3]!.address;
    for (const f of stack.filters)
      expect(campaignOf(await scanOn(f, variant(newsletter, 2), [rcpt], CLIENT), rcpt)).toBeUndefined();
  });
});
