import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { createUser, type TestUser } from '../api/api-fixtures';
import { corpus, corpusAvailable, variant } from '../feedback/feedback-harness';
import {
  bayesOf,
  bayesPercent,
  MAIN_OPTIONS,
  markSpam,
  propagationConfig,
  recipientOf,
  scanOn,
  seedGlobal,
  startStack,
  waitFor,
  waitForRecord,
  type Stack,
} from './propagation-harness';

/**
 * The embedded product's shape (scripts/embedded.ts): one process, one SQLite file, the in-process bus, the API with
 * its learner and the filter wired as main.ts wires it. Nothing injected: the filter must find the learner's model.
 */
const run = corpusAvailable() ? describe : describe.skip;

run('model propagation, embedded shape (SQLite file + in-process bus, default wiring)', () => {
  const ALICE = 'alice@example.org';
  const BOB = 'bob@example.org';
  // The marked scan and the later ones come from different clients and sender domains: a mark also feeds the
  // reputation of the marked scan's client (FilterEvents.subscribeFeedback), which must not blur what Bayes did.
  const MARKED = { ip: '192.0.2.10', mailFrom: 'news@list.example' };
  const LATER = { ip: '198.51.100.20', mailFrom: 'news@other.example' };
  let dir: string;
  let stack: Stack;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-propagation-'));
    stack = await startStack(propagationConfig({ BUS: 'memory', DB_TYPE: 'sqlite', DB_SQLITE_PATH: join(dir, 'spamfilter.sqlite') }));
    await seedGlobal(stack.db, corpus('spam', 40), corpus('ham', 40));
    alice = await createUser(stack.api, ALICE);
    bob = await createUser(stack.api, BOB);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("alice's spam mark raises her next similar message's score within 1 s; bob's verdict does not move", async () => {
    const filter = stack.filters[0]!;
    const newsletter = corpus('hard_ham', 1, 3)[0]!;
    const first = await scanOn(filter, newsletter, [ALICE, BOB], MARKED);
    // The global model speaks from the database (it is not the empty in-memory default).
    expect(bayesOf(first, ALICE).map((s) => s.name)).toEqual([expect.stringMatching(/^BAYES_(SPAM|HAM)$/)]);
    await waitForRecord(stack.db, first.reference);
    const next = variant(newsletter, 1);
    const before = await scanOn(filter, next, [ALICE, BOB], LATER);
    expect(bayesPercent(before, ALICE)).toBe(bayesPercent(before, BOB));

    await markSpam(stack.api, alice.token, first.reference);
    let after = before;
    const elapsed = await waitFor(
      async () => {
        after = await scanOn(filter, next, [ALICE, BOB], LATER);
        return recipientOf(after, ALICE).score > recipientOf(before, ALICE).score;
      },
      1000,
      "alice's higher score after her mark",
    );
    process.stdout.write(`embedded: mark → changed verdict in ${elapsed} ms\n`);
    expect(elapsed).toBeLessThan(1000);
    expect(bayesPercent(after, ALICE)).toBeGreaterThan(bayesPercent(before, ALICE));
    expect(bayesOf(after, ALICE).map((s) => s.name)).toContain('BAYES_SPAM');
    // Bob's verdict does not move. (His Bayes probability may: within the per-user caps the learner also trains
    // alice's mark into the global layer, which bob's verdict rests on — by design, apps/api learner-rules.)
    expect(recipientOf(after, BOB).score).toBe(recipientOf(before, BOB).score);
    expect(recipientOf(after, BOB).action).toBe(recipientOf(before, BOB).action);
    expect(bayesOf(after, BOB).map((s) => [s.name, s.score])).toEqual(bayesOf(before, BOB).map((s) => [s.name, s.score]));
    expect(bayesOf(after, BOB).map((s) => s.name)).not.toContain('BAYES_SPAM');
  });
});

describe('model propagation: the database is not up yet', () => {
  let filter: FilterApp | null = null;
  afterAll(async () => {
    await filter?.close();
  });

  it('Bayes reports BAYES_TEMPFAIL (weight 0), not a verdict from an empty model', async () => {
    // Port 1 on loopback refuses at once: the filter starts and scans, the database keeps retrying in the background.
    const config = propagationConfig({ DB_TYPE: 'postgres', DB_URL: 'postgres://nobody@127.0.0.1:1/none', DB_CONNECT_TIMEOUT_MS: '500', BAYES_MIN_LEARNS: '0' });
    filter = await createFilterApp(config, { ...MAIN_OPTIONS, connectCounters: false, connectOutbound: false, defaultMetrics: false });
    const v = await scanOn(filter, Buffer.from('From: a@sender.example\r\nTo: x@example.org\r\nSubject: hello\r\n\r\nbuy cheap pills now\r\n'), ['x@example.org'], {
      ip: '192.0.2.1',
      mailFrom: 'a@sender.example',
    });
    // A check's TEMPFAIL is message-wide (it names no recipients); no recipient gets a Bayes verdict.
    const tempfail = v.symbols.find((s) => s.name === 'BAYES_TEMPFAIL');
    expect(tempfail?.options?.[0]).toMatch(/database not connected/);
    const names = [...v.symbols, ...recipientOf(v, 'x@example.org').symbols].map((s) => s.name);
    expect(names).not.toContain('BAYES_SPAM');
    expect(names).not.toContain('BAYES_HAM');
  });
});
