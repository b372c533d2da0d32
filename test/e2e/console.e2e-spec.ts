import { userScope } from '@spamfilter/bayes';
import type { Page } from 'playwright-core';
import { startSink, type Sink } from '../../haraka/sink';
import { createUser, OPERATOR_KEY } from '../api/api-fixtures';
import { corpus, corpusAvailable } from '../feedback/feedback-harness';
import { dovecotInstalled } from '../mailbox/dovecot-process';
import { waitUntil } from '../mailbox/mailbox-harness';
import {
  findDelivered,
  MAILBOX_PASSWORD,
  messageIdOf,
  startMailboxLoop,
  type MailboxLoop,
} from '../mailbox/mailbox-loop';
import { sendOnce, startHaraka, type HarakaHandle, type Reply } from '../smtp/harness';
import {
  chromiumInstalled,
  launchBrowser,
  screenshot,
  seriousViolations,
  watchPage,
  type AxeViolation,
  type Browser,
} from './browser';
import { newsletter } from './messages';

/**
 * The web console in a real browser against the running product. Mail arrives over SMTP at a real Haraka, the real
 * filter scores it, Haraka delivers over LMTP into a real Dovecot (Sieve files tagged mail into Junk); the API with
 * its learner runs beside the filter (test/mailbox/mailbox-loop: SQLite and the in-process bus, as `npm start`), and
 * serves the built console. A second Haraka takes authenticated submission for the outbound account an operator
 * blocks. People sign in as they would: the user with her mailbox password (checked by that Dovecot over IMAP), the
 * operator and the domain admin with their keys. Every page is screenshotted into .var/e2e-screenshots/ and checked
 * with axe-core (no serious or critical violation); no page may log a script error or a CSP violation.
 */
const ready = corpusAvailable() && chromiumInstalled() && dovecotInstalled();
const run = ready ? describe : describe.skip;

const DOMAIN = 'example.net';
const ALICE = `alice@${DOMAIN}`;
const CAROL = `carol@${DOMAIN}`;
const BULK = `bulk@${DOMAIN}`;
const BULK_PASSWORD = 'bulk-secret';
const REFERENCE = /\b[0-9A-HJKMNP-TV-Z]{26}\b/;

run('the web console in Chromium against the running product (SMTP, filter, learner, Dovecot)', () => {
  let loop: MailboxLoop;
  let submission: HarakaHandle;
  let sink: Sink;
  let browser: Browser;
  let consoleUrl: string;
  let adminKey: string;
  /** axe-core's serious and critical findings, by page. */
  const a11y: Record<string, AxeViolation[]> = {};
  /** Pages screenshotted and checked. */
  const checked: string[] = [];
  /** The reference of the message refused after alice's mark (what the operator looks up). */
  let refusedRef = '';

  /** Opens a page of the console (a client-side route) and waits for its heading. */
  async function open(page: Page, path: string, heading: string | RegExp): Promise<void> {
    await page.goto(`${consoleUrl}${path}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  /**
   * Reopens a list page until `ready` holds: records are written after the SMTP answer (batched, from the message
   * log's thread), so the page may first show the list without them. `settled` is text the page shows once loaded.
   */
  async function reopenUntil(
    page: Page,
    path: string,
    heading: string,
    settled: RegExp,
    ready: () => Promise<boolean>,
    ms: number,
    what: string,
  ): Promise<void> {
    await waitUntil(
      async () => {
        await open(page, path, heading);
        await page.getByText(settled).first().waitFor();
        return ready();
      },
      ms,
      what,
    );
  }

  /** Screenshot + accessibility check of the page as it is now. */
  async function record(page: Page, name: string): Promise<void> {
    await page.waitForLoadState('networkidle');
    await screenshot(page, name);
    const found = await seriousViolations(page);
    if (found.length > 0) a11y[name] = found;
    checked.push(name);
  }

  function outbound(subject: string): Buffer {
    return Buffer.from(
      [
        `From: ${BULK}`,
        'To: someone@elsewhere.example',
        `Subject: ${subject}`,
        `Message-ID: <${Date.now()}.${Math.random()}@example.net>`,
        '',
        'Hello,',
        'see you.',
        '',
      ].join('\r\n'),
    );
  }

  async function submit(subject: string): Promise<Reply> {
    const r = await sendOnce(
      submission.port,
      { from: BULK, to: ['someone@elsewhere.example'], auth: { user: BULK, pass: BULK_PASSWORD } },
      outbound(subject),
    );
    return r.data ?? r.rcpt[0] ?? r.mail;
  }

  beforeAll(async () => {
    loop = await startMailboxLoop({
      users: ['alice', 'bob', 'carol'],
      seed: { spam: corpus('spam', 40), ham: corpus('ham', 40) },
      // Carol's policy keeps spam in the quarantine instead of Junk or a refusal.
      userPolicies: { carol: { spamHandling: { tag: 'quarantine', reject: 'quarantine' } } },
      consoleImap: true,
    });
    consoleUrl = `${loop.apiUrl.replace('[::1]', '127.0.0.1')}/console`;
    sink = await startSink({ store: 'memory' });
    submission = await startHaraka({
      kind: 'outbound',
      filterUrl: loop.filterUrl,
      sinkPort: sink.port,
      users: { [BULK]: BULK_PASSWORD },
      spamfilter: { main: { token: loop.filterToken } },
    });
    adminKey = (await createUser(loop.api, `postmaster@${DOMAIN}`, 'domain_admin')).token;
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await submission?.stop();
    await sink?.close();
    await loop?.close();
  });

  it('a user signs in with her mailbox password, opens a tagged message, reads why, marks it spam, and the next one is refused', async () => {
    // The first issue arrives over SMTP, is tagged, and Dovecot files it into alice's Junk.
    const first = newsletter(1, ALICE);
    expect(await loop.send([ALICE], first)).toBe(250);
    const imap = await loop.imap(ALICE);
    try {
      await waitUntil(
        async () => (await findDelivered(imap, 'Junk', messageIdOf(first))).length === 1,
        15_000,
        'issue 1 in Junk',
      );
    } finally {
      await imap.logout();
    }

    const context = await browser.person();
    const page = await context.newPage();
    const watched = watchPage(page);

    await page.goto(`${consoleUrl}/`);
    await page.getByRole('heading', { level: 1, name: 'Sign in to the spam filter console' }).waitFor();
    await page.getByRole('heading', { name: 'With your mailbox' }).waitFor();
    await record(page, '01-sign-in');
    const mailboxForm = page.getByRole('form', { name: 'With your mailbox' });
    await mailboxForm.getByLabel('Email address').fill(ALICE);
    await mailboxForm.getByLabel('Password').fill(MAILBOX_PASSWORD);
    await mailboxForm.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'My mail' }).waitFor();
    // the password is gone from the page, and no script can read the session
    expect(await page.evaluate('document.cookie')).toBe('');

    // The message log is written after the SMTP answer (batched, from its own thread): the page may open first.
    const row = page.getByRole('row').filter({ hasText: 'Garden shop weekly deals, issue 1' });
    await reopenUntil(
      page,
      '/messages',
      'My mail',
      /No messages match|Garden shop weekly deals/,
      async () => (await row.count()) === 1,
      30_000,
      'issue 1 under My mail',
    );
    expect(await row.textContent()).toContain('Junk (tagged as spam)');
    await record(page, '02-user-my-mail');

    // why: each reason in plain words, heaviest first
    await row.getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Garden shop weekly deals, issue 1' }).waitFor();
    const why = page.getByRole('list').filter({ hasText: 'A link shows one web address' });
    await why.waitFor();
    const reasons = (await why.getByRole('listitem').allTextContents()).join('\n');
    expect(reasons).toContain("The sender's name shows another organisation's address.");
    expect(reasons).toContain('It contains phrases typical of spam.');
    expect(reasons).toMatch(/It resembles mail you and others wanted/);
    const before = Number(await page.getByTestId('score').textContent());
    expect(before).toBeGreaterThanOrEqual(6);
    expect(before).toBeLessThan(15);
    await record(page, '03-user-message-tagged');

    await page.getByRole('button', { name: 'This is spam' }).click();
    await page.getByText('You marked this message as spam').waitFor();
    await record(page, '04-user-message-marked');

    // The learner trains alice's layer and every filter applies it (the in-process bus; her scope's version moves).
    const aliceId = loop.users[ALICE]!.id;
    await waitUntil(
      () => (loop.filter.bayesModel?.cache.versionOf(userScope(aliceId)) ?? 0) >= 1,
      10_000,
      "alice's model change",
    );

    // The next issue: refused at DATA for her, with the reference in the reply.
    const next = await sendOnce(
      loop.haraka.port,
      { from: 'news@deals.example', to: [ALICE] },
      newsletter(2, ALICE),
    );
    expect(next.data?.code).toBe(550);
    refusedRef = REFERENCE.exec(next.data?.text ?? '')?.[0] ?? '';
    expect(refusedRef).not.toBe('');

    // She finds it under "Refused for me", with the new reason.
    const refusedRow = page.getByRole('row').filter({ hasText: 'Garden shop weekly deals, issue 2' });
    await reopenUntil(
      page,
      '/refused',
      'Refused for me',
      /No messages match|Garden shop weekly deals/,
      async () => (await refusedRow.count()) === 1,
      10_000,
      'issue 2 under Refused for me',
    );
    expect(await refusedRow.textContent()).toContain('Refused');
    await record(page, '05-user-refused');
    await refusedRow.getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Garden shop weekly deals, issue 2' }).waitFor();
    await page.getByText('It resembles mail you and others marked as spam').waitFor();
    expect(Number(await page.getByTestId('score').textContent())).toBeGreaterThanOrEqual(15);
    await record(page, '06-user-message-refused');

    // Her other pages.
    await open(page, '/lists', 'Your allow & block list');
    await record(page, '07-user-lists');
    await open(page, '/sensitivity', 'Your spam sensitivity');
    await page.getByRole('radio', { name: /Strict/ }).check();
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('heading', { name: 'Preview' }).waitFor();
    await record(page, '08-user-sensitivity-preview');
    // her own thresholds: each input says the domain's bounds, keeps to them, and is described by that hint
    await page.getByRole('radio', { name: 'My own thresholds' }).check();
    for (const label of ['Junk from (points)', 'Refuse from (points)']) {
      const input = page.getByLabel(label);
      const [min, max] = [await input.getAttribute('min'), await input.getAttribute('max')];
      expect(Number(min)).toBeLessThan(Number(max));
      const hintId = await input.getAttribute('aria-describedby');
      const hint = await page.locator(`[id="${hintId}"]`).textContent();
      expect(hint).toBe(`between ${min} and ${max}`);
    }

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    expect(watched.problems).toEqual([]);
  });

  it('a user releases a quarantined message and finds it delivered; deletes another', async () => {
    const kept = newsletter(3, CAROL);
    const gone = newsletter(4, CAROL);
    expect(await loop.send([CAROL], kept)).toBe(250);
    expect(await loop.send([CAROL], gone)).toBe(250);
    const imap = await loop.imap(CAROL);
    try {
      // accepted, but kept: nothing reached her mailbox
      for (const box of ['INBOX', 'Junk'])
        expect(await findDelivered(imap, box, messageIdOf(kept))).toEqual([]);

      const context = await browser.person();
      const page = await context.newPage();
      const watched = watchPage(page);
      await page.goto(`${consoleUrl}/`);
      const form = page.getByRole('form', { name: 'With your mailbox' });
      await form.getByLabel('Email address').fill(CAROL);
      await form.getByLabel('Password').fill(MAILBOX_PASSWORD);
      await form.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'My mail' }).waitFor();

      await open(page, '/quarantine', 'Quarantine');
      const row = (n: number) =>
        page.getByRole('row').filter({ hasText: `Garden shop weekly deals, issue ${n}` });
      await reopenUntil(
        page,
        '/quarantine',
        'Quarantine',
        /Nothing here|Garden shop weekly deals/,
        async () => (await row(3).count()) === 1 && (await row(4).count()) === 1,
        10_000,
        'both issues in her quarantine',
      );
      await record(page, '09-user-quarantine');

      // read it safely (text only), release it with a not-spam mark, and find it in her mailbox
      await row(3).getByRole('link').click();
      await page.getByRole('heading', { level: 1, name: 'Garden shop weekly deals, issue 3' }).waitFor();
      await page.getByLabel('Message text').getByText('Hello gardener!').waitFor();
      await record(page, '09a-user-quarantined-message');
      await page.getByRole('button', { name: 'Release and deliver' }).click();
      await page.getByText(/^Released to carol@example\.net\. The mail server answered: 250/).waitFor();
      await page.getByTestId('released').waitFor();
      let found: Awaited<ReturnType<typeof findDelivered>> = [];
      await waitUntil(
        async () =>
          (found = [
            ...(await findDelivered(imap, 'INBOX', messageIdOf(kept))),
            ...(await findDelivered(imap, 'Junk', messageIdOf(kept))),
          ]).length === 1,
        15_000,
        'released issue 3 delivered',
      );
      expect(found[0]!.mailbox).toBe('INBOX');

      // delete the other one: gone from the list, and for good
      await open(page, '/quarantine', 'Quarantine');
      await row(4).getByRole('link').click();
      await page.getByRole('heading', { level: 1, name: 'Garden shop weekly deals, issue 4' }).waitFor();
      const url = page.url();
      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      await page.getByRole('button', { name: 'Delete for good' }).click();
      await page.getByRole('heading', { level: 1, name: 'Quarantine' }).waitFor();
      await page
        .getByText(/Nothing here|Garden shop weekly deals/)
        .first()
        .waitFor();
      expect(await row(4).count()).toBe(0);
      await page.goto(url);
      await page.getByText(/Could not open the message/).waitFor();
      for (const box of ['INBOX', 'Junk'])
        expect(await findDelivered(imap, box, messageIdOf(gone))).toEqual([]);
      // the only failed request: the deleted message, asked for again on purpose
      const deletedId = new URL(url).pathname.split('/').pop()!;
      expect(watched.problems).toEqual([`HTTP 404 GET /v1/quarantine/${deletedId}`]);
    } finally {
      await imap.logout();
    }
  });

  it('an operator finds the refusal by its reference, blocks and unblocks an account, and sees both in the audit log', async () => {
    expect(refusedRef).not.toBe('');
    // Outbound mail of the account before anyone acts: delivered.
    expect((await submit('Meeting notes')).code).toBe(250);
    expect((await submit('You are our lottery winner')).code).toBe(250);

    const context = await browser.person();
    const page = await context.newPage();
    const watched = watchPage(page);
    await page.goto(`${consoleUrl}/`);
    await page.getByLabel('API key', { exact: true }).fill(OPERATOR_KEY);
    await page
      .getByRole('form', { name: 'With an API key' })
      .getByRole('button', { name: 'Sign in' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.getByText('refused inbound').waitFor();
    await record(page, '10-operator-dashboard');

    // The reference from the bounce opens the transcript.
    await open(page, '/operator/messages', 'Message log');
    await page.getByLabel('Reference').fill(refusedRef);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { level: 1, name: `Message ${refusedRef}` }).waitFor();
    expect(await page.getByTestId('smtp-reply').textContent()).toMatch(/^550 5\.7\.1 /);
    await page.getByRole('rowheader', { name: 'BAYES_SPAM' }).first().waitFor();
    await record(page, '11-operator-transcript');
    await open(page, '/operator/messages', 'Message log');
    await page.getByRole('link').filter({ hasText: /UTC/ }).first().waitFor();
    await record(page, '12-operator-message-log');
    // the Verdict choice narrows the log to refusals: issue 2 stays, the tagged issue 1 goes
    const issue = (n: number) =>
      page.getByRole('row').filter({ hasText: `Garden shop weekly deals, issue ${n}` });
    await issue(1).first().waitFor();
    await page.getByLabel('Verdict').selectOption('reject');
    await page.getByRole('button', { name: 'Search' }).click();
    await waitUntil(async () => (await issue(1).count()) === 0, 5_000, 'the log narrowed to refusals');
    await issue(2).first().waitFor();

    // Block the account: its next message is refused over SMTP; unblock: delivered again.
    await open(page, `/operator/outbound/${encodeURIComponent(BULK)}`, `Account ${BULK}`);
    await page.getByText('Nothing recorded against this account yet').waitFor();
    await page.getByLabel('Reason (kept in the audit log)').fill('complaints about a lottery mailing');
    await page.getByRole('button', { name: 'Block', exact: true }).click();
    await page.getByText(`${BULK} is blocked`).waitFor();
    await page
      .getByTestId('account-status')
      .filter({ hasText: /^Blocked$/ })
      .waitFor();
    await record(page, '13-operator-account-blocked');
    let reply: Reply = { code: 0, text: '' };
    await waitUntil(
      async () => (reply = await submit('Meeting notes, again')).code === 550,
      10_000,
      'blocked account refused',
    );
    expect(reply.text).toMatch(/5\.7\.1/);

    await page.getByLabel('Reason (kept in the audit log)').fill('customer cleaned the list');
    await page.getByRole('button', { name: 'Unblock', exact: true }).click();
    await page.getByText(`${BULK} is unblocked`).waitFor();
    await page
      .getByTestId('account-status')
      .filter({ hasText: /^Active$/ })
      .waitFor();
    await waitUntil(
      async () => (await submit('Meeting notes, third time')).code === 250,
      10_000,
      'unblocked account delivers',
    );
    await open(page, '/operator/outbound', 'Outbound accounts');
    await record(page, '14-operator-outbound');

    await open(page, '/operator/audit', 'Audit log');
    await page.getByLabel('Subject', { exact: true }).selectOption('outbound_account');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.getByRole('row').filter({ hasText: BULK });
    await waitUntil(async () => (await rows.count()) === 2, 5_000, 'two audit rows');
    const text = (await rows.allTextContents()).join('\n');
    expect(text).toMatch(/unblock[\s\S]*customer cleaned the list/);
    expect(text).toMatch(/block[\s\S]*complaints about a lottery mailing/);
    await record(page, '15-operator-audit-log');
    // The one failed request: the account page opened before any spam verdict, complaint or block, which the
    // operator API answers 404 (the page says so and offers the block).
    expect(watched.problems).toEqual([
      `HTTP 404 GET /v1/operator/outbound/accounts/${encodeURIComponent(BULK)}`,
    ]);
  });

  it('an operator edits an AUP rule only after previewing it', async () => {
    const context = await browser.person();
    const page = await context.newPage();
    const watched = watchPage(page);
    await page.goto(`${consoleUrl}/`);
    await page.getByLabel('API key', { exact: true }).fill(OPERATOR_KEY);
    await page
      .getByRole('form', { name: 'With an API key' })
      .getByRole('button', { name: 'Sign in' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();

    await open(page, '/operator/aup', 'Acceptable-use rules');
    await page.getByRole('link', { name: 'New rule' }).click();
    await page.getByRole('heading', { level: 1, name: 'New acceptable-use rule' }).waitFor();
    await page.getByLabel('Name').fill('No lottery');
    await page.getByLabel('Score when it matches').fill('10');
    await page.getByLabel('Condition 1: field').selectOption('subject');
    await page.getByLabel('Condition 1: test').selectOption('contains');
    await page.getByLabel('Condition 1: value').fill('lottery');
    const save = page.getByRole('button', { name: 'Save rule' });
    expect(await save.isDisabled()).toBe(true);
    await page.getByRole('button', { name: /^Preview/ }).click();
    const preview = page.getByTestId('aup-preview');
    await preview.waitFor();
    // The submissions of the previous test: one lottery subject among them.
    expect(await preview.textContent()).toMatch(/would have matched 1\b/);
    expect(await save.isDisabled()).toBe(false);
    await record(page, '16-operator-aup-preview');
    await save.click();
    await page.getByText(/saved \(version 1\)/).waitFor();
    await page.getByRole('heading', { level: 1, name: 'Rule: No lottery' }).waitFor();

    // An edit makes the preview stale: saving waits for a new one.
    await page.getByLabel('Score when it matches').fill('12');
    expect(await save.isDisabled()).toBe(true);
    await page.getByRole('button', { name: /^Preview/ }).click();
    await page.getByTestId('aup-preview').filter({ hasNotText: 'preview again' }).waitFor();
    await save.click();
    await page.getByText(/saved \(version 2\)/).waitFor();
    await record(page, '17-operator-aup-saved');
    await open(page, '/operator/aup', 'Acceptable-use rules');
    const ruleRow = page.getByRole('row').filter({ hasText: 'No lottery' });
    await ruleRow.waitFor();
    expect(await ruleRow.textContent()).toContain('12');
    await record(page, '18-operator-aup-rules');

    await open(page, '/operator/audit', 'Audit log');
    await page.getByLabel('Subject', { exact: true }).selectOption('aup_rule');
    await page.getByRole('button', { name: 'Search' }).click();
    await waitUntil(
      async () => (await page.getByRole('row').filter({ hasText: 'aup rule' }).count()) === 2,
      5_000,
      'create and update audited',
    );

    // The operator's remaining pages, for the screenshots and the accessibility check.
    for (const [path, heading, name] of [
      ['/operator/delisting', 'Delisting requests', '19-operator-delisting'],
      ['/operator/lists', 'Global allow & block list', '20-operator-global-lists'],
      ['/operator/policy', 'Global policy', '21-operator-global-policy'],
    ] as const) {
      await open(page, path, heading);
      await record(page, name);
    }
    expect(watched.problems).toEqual([]);
  });

  it("a domain admin sees the domain's users, mail, lists and policy with its preview", async () => {
    const context = await browser.person();
    const page = await context.newPage();
    const watched = watchPage(page);
    await page.goto(`${consoleUrl}/`);
    await page.getByLabel('API key', { exact: true }).fill(adminKey);
    await page
      .getByRole('form', { name: 'With an API key' })
      .getByRole('button', { name: 'Sign in' })
      .click();
    await page.getByRole('heading', { level: 1, name: `Mail of ${DOMAIN}` }).waitFor();
    await page.getByRole('row').filter({ hasText: 'Garden shop weekly deals, issue 2' }).waitFor();
    await record(page, '30-admin-domain-mail');

    await open(page, '/domain/users', `Users of ${DOMAIN}`);
    await page.getByRole('cell', { name: ALICE, exact: true }).waitFor();
    await record(page, '31-admin-users');
    await page.getByRole('row').filter({ hasText: ALICE }).getByRole('link', { name: 'Lists' }).click();
    await page.getByRole('heading', { level: 1, name: `Allow & block list of ${ALICE}` }).waitFor();

    await open(page, '/domain/lists', `Allow & block list of ${DOMAIN}`);
    await page.getByLabel('Value').fill('deals.example');
    await page.getByLabel('Match by').selectOption('domain');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('cell', { name: 'Domain deals.example', exact: true }).waitFor();
    await record(page, '32-admin-domain-lists');

    await open(page, '/domain/policy', `Policy of ${DOMAIN}`);
    await page.getByLabel('Junk (tag) from').fill('9');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('heading', { name: 'Preview' }).waitFor();
    await record(page, '33-admin-domain-policy-preview');

    // The domain's quarantine: carol's released issue 3, for her (the deleted issue 4 is gone for everyone).
    await open(page, '/quarantine?status=all', 'Quarantine');
    const released = page.getByRole('row').filter({ hasText: 'Garden shop weekly deals, issue 3' });
    await released.waitFor();
    expect(await released.textContent()).toMatch(new RegExp(`${CAROL}[\\s\\S]*Released`));
    expect(await page.getByRole('row').filter({ hasText: 'Garden shop weekly deals, issue 4' }).count()).toBe(
      0,
    );
    await record(page, '34-admin-domain-quarantine');
    expect(watched.problems).toEqual([]);
  });

  it('shows no serious or critical accessibility violation on any page', () => {
    expect(checked.length).toBeGreaterThanOrEqual(26);
    expect(a11y).toEqual({});
  });
});
