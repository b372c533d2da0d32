import { createUser, type TestUser } from '../api/api-fixtures';
import { corpus, corpusAvailable, variant } from '../feedback/feedback-harness';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import {
  bayesOf,
  bayesPercent,
  markSpam,
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
 * Production shape: PostgreSQL (a fresh database) and the real Kafka (a unique topic prefix and learner group), the
 * API with its learner, and TWO filter instances started as apps/filter/src/main.ts starts them. Both must answer
 * alice's changed verdict after her mark, wherever her next message lands.
 */
const run = corpusAvailable() ? describe : describe.skip;

run('model propagation, PostgreSQL + Kafka, two filter instances (default wiring)', () => {
  const ALICE = 'alice@example.org';
  const BOB = 'bob@example.org';
  const MARKED = { ip: '192.0.2.10', mailFrom: 'news@list.example' };
  const LATER = { ip: '198.51.100.20', mailFrom: 'news@other.example' };
  let tdb: TestDatabase;
  let stack: Stack;
  let alice: TestUser;

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    stack = await startStack(postgresKafkaConfig(tdb.config.url, 'prop'), 2, (db) =>
      seedGlobal(db, corpus('spam', 40), corpus('ham', 40)),
    );
    alice = await createUser(stack.api, ALICE);
    await createUser(stack.api, BOB);
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
    await tdb?.drop();
  });

  it('after alice marks a message as spam, both instances score her next similar message higher; bob unchanged', async () => {
    const [one, two] = [stack.filters[0]!, stack.filters[1]!];
    const newsletter = corpus('hard_ham', 1, 3)[0]!;
    const first = await scanOn(one, newsletter, [ALICE, BOB], MARKED);
    await waitForRecord(stack.db, first.reference);
    const next = variant(newsletter, 1);
    const before = [
      await scanOn(one, next, [ALICE, BOB], LATER),
      await scanOn(two, next, [ALICE, BOB], LATER),
    ];
    // Both instances read the same model: the same Bayes verdict before the mark.
    expect(bayesOf(before[1]!, ALICE)).toEqual(bayesOf(before[0]!, ALICE));
    expect(bayesOf(before[0]!, ALICE).map((s) => s.name)).toEqual([
      expect.stringMatching(/^BAYES_(SPAM|HAM)$/),
    ]);

    await markSpam(stack.api, alice.token, first.reference);
    const after = [...before];
    const elapsed = await Promise.all(
      [one, two].map((filter, i) =>
        waitFor(
          async () => {
            after[i] = await scanOn(filter, next, [ALICE, BOB], LATER);
            return recipientOf(after[i]!, ALICE).score > recipientOf(before[i]!, ALICE).score;
          },
          15_000,
          `instance ${i + 1}: alice's higher score after her mark`,
        ),
      ),
    );
    process.stdout.write(
      `postgres+kafka: mark → changed verdict on instance 1 in ${elapsed[0]} ms, instance 2 in ${elapsed[1]} ms\n`,
    );
    for (const i of [0, 1]) {
      expect(bayesPercent(after[i]!, ALICE)).toBeGreaterThan(bayesPercent(before[i]!, ALICE));
      expect(bayesOf(after[i]!, ALICE).map((s) => s.name)).toContain('BAYES_SPAM');
      // Bob's Bayes contribution and action do not move. (His total may: the polling scans themselves feed the
      // client IP's reputation — the filter's own verdicts count as evidence.)
      expect(bayesOf(after[i]!, BOB).map((s) => [s.name, s.score])).toEqual(
        bayesOf(before[i]!, BOB).map((s) => [s.name, s.score]),
      );
      expect(
        recipientOf(after[i]!, BOB).symbols.filter(
          (s) => !s.name.includes('REPUTATION_') && !s.name.startsWith('BAYES_'),
        ),
      ).toEqual(
        recipientOf(before[i]!, BOB).symbols.filter(
          (s) => !s.name.includes('REPUTATION_') && !s.name.startsWith('BAYES_'),
        ),
      );
      expect(recipientOf(after[i]!, BOB).action).toBe(recipientOf(before[i]!, BOB).action);
    }
    // The same model on both (totals differ only by each instance's own reputation evidence).
    expect(bayesOf(after[1]!, ALICE)).toEqual(bayesOf(after[0]!, ALICE));
  }, 60_000);
});
