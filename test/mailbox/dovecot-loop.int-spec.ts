import type { ImapFlow } from 'imapflow';
import { FeedbackMarkEntity } from '@spamfilter/persistence';
import { corpus, corpusAvailable } from '../feedback/feedback-harness';
import { waitUntil } from './mailbox-harness';
import {
  findDelivered,
  issue,
  messageIdOf,
  startMailboxLoop,
  type Delivered,
  type MailboxLoop,
} from './mailbox-loop';

/**
 * The mailbox loop as a user lives it: mail arrives over SMTP at a real Haraka, is scanned by the real filter and
 * delivered over LMTP into a real Dovecot, where Sieve files tagged copies into Junk; the user reads it with a real
 * IMAP client (imapflow) and moves a message into Junk, and Dovecot's IMAPSieve hook (dovecot/bin/spamfilter-mark,
 * as the domain's mailbox service key) marks it through the API; the learner trains that user's model and the
 * filter's next verdict for that user changes — the next issue of the newsletter lands in Junk. Moving it back out
 * corrects it. The product runs embedded in this process (filter + API + learner, SQLite, in-process bus).
 */
const run = corpusAvailable() ? describe : describe.skip;

run('the mailbox loop: Haraka → LMTP → Dovecot, and IMAP moves into and out of Junk train the filter', () => {
  const ALICE = 'alice@example.net';
  const BOB = 'bob@example.net';
  const CAROL = 'carol@example.net';
  let loop: MailboxLoop;
  let alice: ImapFlow;
  let bob: ImapFlow;
  let carol: ImapFlow;
  // A newsletter the global model calls ham, and another one for the outage test.
  const newsletter = (): Buffer => corpus('hard_ham', 1, 3)[0]!;
  const other = (): Buffer => corpus('hard_ham', 1, 11)[0]!;
  const figures: string[] = [];
  /** The default policy's tag threshold: a changed verdict is the next issue's action turning accept → tag. */
  const TAG = 6;
  /** The message alice moves into Junk (and later back out). */
  let markedId = '';

  beforeAll(async () => {
    loop = await startMailboxLoop({
      users: ['alice', 'bob', 'carol'],
      seed: { spam: corpus('spam', 40), ham: corpus('ham', 40) },
      // Carol files far more into Junk than the default policy would (a user's own policy layer).
      userPolicies: { carol: { thresholds: { greylist: null, tag: -50, reject: 100 } } },
      apiProxy: true,
    });
    alice = await loop.imap(ALICE);
    bob = await loop.imap(BOB);
    carol = await loop.imap(CAROL);
  }, 120_000);

  afterAll(async () => {
    for (const c of [alice, bob, carol]) await c?.logout().catch(() => undefined);
    await loop?.close();
    if (figures.length > 0) process.stdout.write(`mailbox loop: ${figures.join('; ')}\n`);
  });

  /** Sends over SMTP and waits until Dovecot has it in one of the user's mailboxes. */
  const deliver = async (
    to: readonly string[],
    raw: Buffer,
    clients: readonly ImapFlow[],
  ): Promise<Delivered[]> => {
    expect(await loop.send(to, raw)).toBe(250);
    const id = messageIdOf(raw);
    const found: Delivered[] = [];
    for (const client of clients) {
      let here: Delivered[] = [];
      await waitUntil(
        async () => {
          here = [
            ...(await findDelivered(client, 'INBOX', id)),
            ...(await findDelivered(client, 'Junk', id)),
          ];
          return here.length > 0;
        },
        15_000,
        `${id} delivered`,
        25,
      );
      expect(here).toHaveLength(1);
      found.push(here[0]!);
    }
    return found;
  };

  /** An IMAP MOVE (RFC 6851) of one message; resolves to the milliseconds the server took to answer. */
  const move = async (client: ImapFlow, m: Delivered, to: string): Promise<number> => {
    const lock = await client.getMailboxLock(m.mailbox);
    try {
      const started = performance.now();
      const result = await client.messageMove(String(m.uid), to, { uid: true });
      expect(result).toBeTruthy();
      return Math.round(performance.now() - started);
    } finally {
      lock.release();
    }
  };

  const score = async (raw: Buffer, rcpt: string): Promise<number> =>
    (await loop.scan(raw, [rcpt])).recipients.find((r) => r.recipient === rcpt)!.score;

  const waitForRecord = (reference: string): Promise<number> =>
    waitUntil(
      async () =>
        (await loop.db.query('SELECT 1 FROM scan_record WHERE reference = ?', [reference])).length > 0,
      10_000,
      `scan record ${reference}`,
      20,
    );

  const marksOf = (userId: string): Promise<number> =>
    loop.db.getRepository(FeedbackMarkEntity).countBy({ userId, kind: 'learn' });

  it('files a tagged copy into Junk by Sieve and an accepted one into INBOX; split copies go over LMTP each with its own headers', async () => {
    // Carol's policy tags what alice's accepts: one message, two verdicts, two copies (plugin: queue_copies_lmtp).
    const raw = issue(newsletter(), 1000);
    const [toAlice, toCarol] = await deliver([ALICE, CAROL], raw, [alice, carol]);
    expect(toAlice!.mailbox).toBe('INBOX');
    expect(toAlice!.header('x-spam-status')).toMatch(/^No, .*action=accept$/);
    expect(toAlice!.header('x-spam-flag')).toBeUndefined();
    expect(toCarol!.mailbox).toBe('Junk');
    expect(toCarol!.header('x-spam-status')).toMatch(/^Yes, .*action=tag$/);
    expect(toCarol!.header('x-spam-flag')).toBe('YES');
    // Each copy is delivered to its own recipients only, and names no other.
    expect(toAlice!.header('delivered-to')).toBe(ALICE);
    expect(toCarol!.header('delivered-to')).toBe(CAROL);
    expect(toAlice!.source.toString('latin1')).not.toContain(CAROL);
    expect(toCarol!.source.toString('latin1')).not.toContain(ALICE);
    // The reference is the same scan's; the hook's marks find it by X-Spam-Reference.
    expect(toAlice!.header('x-spam-reference')).toBe(toCarol!.header('x-spam-reference'));
  });

  it("a move into Junk makes the next issue alice's spam (it lands in Junk); bob's verdict does not move", async () => {
    const first = issue(newsletter(), 1);
    markedId = messageIdOf(first);
    const [inAlice] = await deliver([ALICE], first, [alice]);
    expect(inAlice!.mailbox).toBe('INBOX');
    const probe = issue(newsletter(), 9001);
    const before = await score(probe, ALICE);
    const bobBefore = await score(probe, BOB);
    expect(before).toBeLessThan(TAG);

    const marks = await marksOf(loop.users[ALICE]!.id);
    // The filter's message log is write-behind (its own thread); a user moves mail long after it is written.
    await waitForRecord(inAlice!.header('x-spam-reference')!);
    const moveMs = await move(alice, inAlice!, 'Junk');
    let after = before;
    // The verdict changed when alice's action for the next issue turns from accept to tag (the tag threshold).
    const changedMs = await waitUntil(
      async () => (after = await score(probe, ALICE)) >= TAG,
      10_000,
      "alice's next issue tagged after her move into Junk",
      20,
    );
    figures.push(
      `MOVE into Junk answered in ${moveMs} ms, changed verdict ${changedMs} ms after it (score ${before} → ${after})`,
    );
    expect(await marksOf(loop.users[ALICE]!.id)).toBe(marks + 1);
    const [mark] = await loop.db
      .getRepository(FeedbackMarkEntity)
      .find({ where: { userId: loop.users[ALICE]!.id }, order: { createdAt: 'DESC' }, take: 1 });
    // The hook's raw mark found the scan by its X-Spam-Reference (the delivered copy carries it).
    expect(mark).toMatchObject({ label: 'spam', reference: inAlice!.header('x-spam-reference') });

    // The next issue, over SMTP to both: alice's copy is tagged and Sieve files it into Junk; bob's is not.
    const [nextAlice, nextBob] = await deliver([ALICE, BOB], issue(newsletter(), 2), [alice, bob]);
    expect(nextAlice!.mailbox).toBe('Junk');
    expect(nextAlice!.header('x-spam-status')).toMatch(/^Yes, .*action=tag$/);
    expect(nextBob!.mailbox).toBe('INBOX');
    expect(nextBob!.header('x-spam-status')).toMatch(/^No, .*action=accept$/);
    expect(await score(probe, BOB)).toBeLessThan(TAG);
    expect(bobBefore).toBeLessThan(TAG);
  });

  it("moving it back out of Junk corrects it: the next issue is alice's ham again and stays in INBOX", async () => {
    // The message alice moved into Junk in the test before.
    const [marked] = await findDelivered(alice, 'Junk', markedId);
    expect(marked).toBeDefined();
    const probe = issue(newsletter(), 9002);
    const before = await score(probe, ALICE);
    expect(before).toBeGreaterThanOrEqual(TAG);
    const moveMs = await move(alice, marked!, 'INBOX');
    let after = before;
    const changedMs = await waitUntil(
      async () => (after = await score(probe, ALICE)) < TAG,
      10_000,
      "alice's score below the tag threshold after moving it out of Junk",
      20,
    );
    figures.push(
      `MOVE out of Junk answered in ${moveMs} ms, corrected verdict ${changedMs} ms after it (score ${before} → ${after})`,
    );
    const [next] = await deliver([ALICE], issue(newsletter(), 3), [alice]);
    expect(next!.mailbox).toBe('INBOX');
    expect(next!.header('x-spam-status')).toMatch(/^No, .*action=accept$/);
    // The correction superseded the spam mark (the learner undoes its training, not stacks ham on top of it).
    const rows = await loop.db
      .getRepository(FeedbackMarkEntity)
      .find({ where: { userId: loop.users[ALICE]!.id, kind: 'learn' }, order: { createdAt: 'ASC' } });
    expect(rows.map((r) => [r.label, r.undoneAt === null])).toEqual([
      ['spam', false],
      ['ham', true],
    ]);
  });

  it('a move while the API is unreachable waits in the spool and counts once the API is back; a move to Trash says nothing', async () => {
    const [inBob] = await deliver([BOB], issue(other(), 1), [bob]);
    expect(inBob!.mailbox).toBe('INBOX');
    const probe = issue(other(), 9003);
    const before = await score(probe, BOB);
    const bobId = loop.users[BOB]!.id;
    const marks = await marksOf(bobId);

    loop.apiProxy!.cut();
    await move(bob, inBob!, 'Junk');
    await waitUntil(
      () => /did not take spam by bob@example\.net/.test(loop.dovecot.markLog()),
      10_000,
      'the failed send logged',
    );
    expect(loop.dovecot.spooled()).toHaveLength(1);
    expect(await marksOf(bobId)).toBe(marks);
    // (Bob's score may drift a little while the learner still trains earlier marks into the capped global layer;
    // what must not happen is his own mark counting: his next issue is still accepted.)
    expect(before).toBeLessThan(TAG);
    expect(await score(probe, BOB)).toBeLessThan(TAG);

    loop.apiProxy!.restore();
    // The timer's flush (or the next move's) sends it.
    expect(await loop.dovecot.flush()).toBe(0);
    expect(loop.dovecot.spooled()).toEqual([]);
    expect(await marksOf(bobId)).toBe(marks + 1);
    let bobAfter = before;
    await waitUntil(
      async () => (bobAfter = await score(probe, BOB)) >= TAG,
      10_000,
      "bob's next issue tagged after the flush",
      20,
    ).catch((err: Error) => {
      throw new Error(`${err.message} (score ${before} → ${bobAfter})`);
    });

    // Junk → Trash: the user deletes spam, which says nothing about it (report-ham.sieve stops). A move into Junk
    // after it is reported; the spool keeps order, so had the Trash move been reported it would have come first.
    const [inJunk] = await findDelivered(bob, 'Junk', messageIdOf(inBob!.source));
    await move(bob, inJunk!, 'Trash');
    const [second] = await deliver([BOB], issue(other(), 2), [bob]);
    await move(bob, second!, 'Junk');
    await waitUntil(
      async () => (await marksOf(bobId)) === marks + 2 && loop.dovecot.spooled().length === 0,
      10_000,
      "the second move's mark, and the spool emptied",
    );
    const labels = (
      await loop.db
        .getRepository(FeedbackMarkEntity)
        .find({ where: { userId: bobId }, order: { createdAt: 'ASC' } })
    ).map((m) => m.label);
    expect(labels).toEqual(['spam', 'spam']);
  });
});
