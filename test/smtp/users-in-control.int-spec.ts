/**
 * "Users and operators in control", outside in: real Haraka (inbound MX and submission) over SMTP, the real filter
 * and API in this process on the real PostgreSQL, the next-hop sink. What a sender is told, what the user and the
 * operator then see.
 */
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@spamfilter/config';
import { REFERENCE_ID_PATTERN } from '@spamfilter/domain';
import {
  FeedbackMarkEntity,
  ListRepository,
  PolicyRepository,
  ReleaseTicketEntity,
  ScanRecipientEntity,
} from '@spamfilter/persistence';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { startSink, type Sink } from '../../haraka/sink';
import { bearer, createUser, OPERATOR_KEY, type TestUser } from '../api/api-fixtures';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import { bodyOf, headerValues, sendOnce, startHaraka, waitFor, type HarakaHandle } from './harness';

const message = (subject: string, extra: readonly string[] = []): Buffer =>
  Buffer.from(
    [
      'From: Alice Sender <alice@sender.example>',
      ...extra,
      'To: undisclosed-recipients:;',
      `Subject: ${subject}`,
      'Date: Sun, 22 Nov 2026 10:00:00 +0000',
      `Message-ID: <${subject.replace(/\W/g, '')}.${Date.now()}@sender.example>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'Hello,',
      '',
      'the minutes of Tuesday are below.',
      '',
      'Alice',
      '',
    ].join('\r\n'),
  );

/** Polls `get` until `ok` holds (the message log is written behind the answer). */
async function eventually<T>(
  get: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end)
      throw new Error(
        `${what}: not within ${ms} ms (last: ${JSON.stringify((v as { body?: unknown }).body ?? v).slice(0, 1500)})`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

const refIn = (text: string): string => {
  const m = /ref ([0-9A-Z]{26})/.exec(text);
  if (!m) throw new Error(`no reference in ${JSON.stringify(text)}`);
  return m[1] as string;
};

describe('users and operators in control (real Haraka, filter, API, PostgreSQL)', () => {
  let tdb: TestDatabase;
  let api: INestApplication;
  let server: never;
  let db: DataSource;
  let filter: FilterApp;
  let sink: Sink;
  let mx: HarakaHandle;
  let submission: HarakaHandle;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  let alice: TestUser;
  let admin: TestUser;
  let otherAdmin: TestUser;
  const op = bearer(OPERATOR_KEY);
  /** A sender's message in /v1/sent once every recipient has a next-hop answer. */
  const sentBy = (token: string, subject: string) =>
    eventually(
      () => request(server).get('/v1/sent').set(bearer(token)),
      (r) =>
        r.status === 200 &&
        r.body.items.some(
          (i: { subject: string; recipients: { attempts: unknown[] }[] }) =>
            i.subject === subject && i.recipients.every((x) => x.attempts.length > 0),
        ),
      `"${subject}" with its delivery results`,
    ).then((r) => r.body.items.find((i: { subject: string }) => i.subject === subject));

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    sink = await startSink({ store: 'memory' });
    // The filter migrates the database; the API starts last, once it knows where Haraka listens (releases go there).
    filter = await createFilterApp(
      { ...loadConfig({ SCAN_LOG_FLUSH_MS: '20' }), database: { ...tdb.config, migrationsRun: true } },
      // Outbound protection too: its POST /v1/outbound/deliveries keeps the next hop's answers.
      { connectDatabase: true, connectOutbound: true, defaultMetrics: false },
    );
    const filterUrl = await filter.listen(0, '127.0.0.1');
    const spamfilter = { main: { fail_open: 'false', scan_deadline_ms: '5000', check_deadline_ms: '3000' } };
    mx = await startHaraka({
      kind: 'inbound',
      filterUrl,
      sinkPort: sink.port,
      hostList: ['example.net'],
      spamfilter,
    });
    submission = await startHaraka({
      kind: 'outbound',
      filterUrl,
      sinkPort: sink.port,
      users: { 'alice@example.net': 'alice-pass', 'release@example.net': 'release-pass' },
      spamfilter,
    });
    api = await createApiApp(
      loadConfig({
        DB_TYPE: 'postgres',
        DB_URL: tdb.config.url,
        DB_MIGRATIONS_RUN: 'false',
        API_BOOTSTRAP_OPERATOR_KEY: OPERATOR_KEY,
        OUTBOX_RELAY_ENABLED: 'false',
        LEARNER_ENABLED: 'false',
        PUBLIC_LOOKUPS_PER_MINUTE: '1000',
        RELEASE_INBOUND_SMTP: `127.0.0.1:${mx.port}`,
        RELEASE_SUBMISSION_SMTP: `127.0.0.1:${submission.port}`,
        RELEASE_SUBMISSION_USER: 'release@example.net',
        RELEASE_SUBMISSION_PASSWORD: 'release-pass',
        RELEASE_SMTP_TIMEOUT_MS: '15000',
        QUARANTINE_DIGEST_FROM: 'postmaster@example.net',
      }),
      { logger: false },
    );
    server = api.getHttpServer() as never;
    db = api.get(DataSource);
    bob = await createUser(api, 'bob@example.net');
    carol = await createUser(api, 'carol@example.net');
    dave = await createUser(api, 'dave@example.net');
    alice = await createUser(api, 'alice@example.net');
    admin = await createUser(api, 'postmaster@example.net', 'domain_admin');
    otherAdmin = await createUser(api, 'postmaster@example.org', 'domain_admin');
    // Carol blocks alice@sender.example (her own list): refused at RCPT for her alone.
    await new ListRepository(db).add(
      { scope: 'user', userId: carol.id },
      {
        kind: 'block',
        matchType: 'address',
        value: 'alice@sender.example',
        direction: 'inbound',
        createdBy: 'carol',
      },
    );
    // Dave keeps spam in the quarantine instead of Junk, and calls anything with a foreign Reply-To spam.
    const policies = new PolicyRepository(db);
    await policies.upsert(
      { scope: 'user', userId: dave.id },
      { thresholds: { greylist: null, tag: 0.5, reject: 50 }, spamHandling: { tag: 'quarantine' } },
      0,
      'dave',
    );
    // Outbound: a foreign Reply-To is enough to hold a message for review (global layer; outbound only).
    await policies.upsert({ scope: 'global' }, { outbound: { hold: 0.5, reject: 100 } }, 0, 'operator');
  }, 120_000);

  afterAll(async () => {
    await submission?.stop();
    await mx?.stop();
    await filter?.close();
    await api?.close();
    await sink?.close();
    await tdb?.drop();
  });

  beforeEach(() => {
    sink.messages.length = 0;
  });

  describe('a refusal at RCPT is traceable', () => {
    let refused: string;

    beforeAll(async () => {
      const r = await sendOnce(
        mx.port,
        { from: 'alice@sender.example', to: ['bob@example.net', 'carol@example.net'] },
        message('tuesday minutes', ['Reply-To: elsewhere@other.example']),
      );
      expect(r.rcpt.map((x) => x.code)).toEqual([250, 550]);
      expect(r.data?.code).toBe(250);
      refused = refIn(r.rcpt[1]!.text);
      expect(refused).toMatch(REFERENCE_ID_PATTERN);
    });

    it('the public page explains it by the reference in the refusal', async () => {
      const page = await eventually(
        () => request(server).get(`/v1/public/refusals/${refused}`),
        (r) => r.status === 200,
        'the refusal on the public page',
      );
      expect(page.body.reasons.map((x: { kind: string }) => x.kind)).toContain('list');
      const html = await request(server).get(`/why?ref=${refused}`).expect(200);
      expect(html.text).toContain(refused);
    });

    it('the operator finds it in the message log, and Carol among her verdicts with its reason', async () => {
      const t = await request(server).get(`/v1/operator/messages/${refused}`).set(op).expect(200);
      expect(t.body).toMatchObject({
        reference: refused,
        action: 'reject',
        mailFrom: 'alice@sender.example',
        smtpReply: { code: 550 },
      });
      expect(t.body.recipients).toEqual([
        expect.objectContaining({ recipient: 'carol@example.net', action: 'reject', disposition: 'refused' }),
      ]);

      const mine = await request(server).get('/v1/verdicts').set(bearer(carol.token)).expect(200);
      const v = mine.body.items.find((i: { reference: string }) => i.reference === refused);
      expect(v).toMatchObject({ recipient: 'carol@example.net', action: 'reject', disposition: 'refused' });
      expect(v.reason).toContain('USER_BLOCK');
      expect(v.symbols[0]).toMatchObject({
        name: 'USER_BLOCK',
        group: 'lists',
        score: 100,
        options: ['block:address:alice@sender.example'],
      });
      expect(v.symbols[0].description).toEqual(expect.any(String));
      // Bob's copy was delivered; nobody else sees Carol's refusal.
      await request(server).get(`/v1/verdicts/${refused}`).set(bearer(bob.token)).expect(404);
    });

    it("Bob's verdict shows every symbol that scored his copy, with its description, and what became of it", async () => {
      const mine = await eventually(
        () => request(server).get('/v1/verdicts').set(bearer(bob.token)),
        (r) => r.body.items?.length > 0,
        "Bob's verdict",
      );
      const v = mine.body.items.find((i: { subject: string }) => i.subject === 'tuesday minutes');
      expect(v).toMatchObject({ recipient: 'bob@example.net', action: 'accept', disposition: 'delivered' });
      // REPLYTO_DIFF_FROM is shared by every recipient: stored once on the record, shown in each recipient's view.
      expect(v.symbols).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            name: 'REPLYTO_DIFF_FROM',
            group: 'content',
            score: 1,
            description: expect.stringMatching(/\w/),
          }),
        ]),
      );
    });
  });

  it('delivers the accepted copy with its reference (the path stays intact)', async () => {
    const r = await sendOnce(
      mx.port,
      { from: 'alice@sender.example', to: ['bob@example.net'] },
      message('plain hello'),
    );
    expect(r.data?.code).toBe(250);
    await waitFor(() => sink.messages.length === 1, 10_000, 'delivery');
    expect(headerValues(sink.messages[0]!.raw, 'X-Spam-Reference')[0]).toMatch(REFERENCE_ID_PATTERN);
  });

  describe('the quarantine', () => {
    const inQuarantine = async (
      token: string,
      subject: string,
    ): Promise<{ id: string; reference: string }> => {
      const r = await eventually(
        () => request(server).get('/v1/quarantine').set(bearer(token)),
        (x) => x.status === 200 && x.body.items.some((i: { subject: string }) => i.subject === subject),
        `"${subject}" in the quarantine`,
      );
      return r.body.items.find((i: { subject: string }) => i.subject === subject);
    };

    it("keeps Dave's spam (his policy), answers the sender 250, and delivers nothing", async () => {
      const r = await sendOnce(
        mx.port,
        { from: 'alice@sender.example', to: ['dave@example.net'] },
        message('cheap offer', ['Reply-To: elsewhere@other.example']),
      );
      expect(r.data?.code).toBe(250);
      const item = await inQuarantine(dave.token, 'cheap offer');
      expect(item).toMatchObject({
        direction: 'inbound',
        recipient: 'dave@example.net',
        recipients: ['dave@example.net'],
        mailFrom: 'alice@sender.example',
        releasedAt: null,
      });
      expect(item.reference).toBe(refIn(r.data!.text));
      expect(sink.messages).toHaveLength(0);
      const v = await eventually(
        () => request(server).get(`/v1/verdicts/${item.reference}`).set(bearer(dave.token)),
        (x) => x.status === 200,
        "Dave's verdict",
      );
      expect(v.body[0]).toMatchObject({ action: 'tag', disposition: 'quarantined' });
    });

    it('shows Dave his message as text with its header fields; nobody outside his mail sees it (404)', async () => {
      const item = await inQuarantine(dave.token, 'cheap offer');
      const view = await request(server).get(`/v1/quarantine/${item.id}`).set(bearer(dave.token)).expect(200);
      expect(view.body.text).toContain('the minutes of Tuesday are below.');
      expect(view.body.headers).toContainEqual(['subject', 'cheap offer']);
      expect(view.body.headers).toContainEqual(['x-spam-reference', item.reference]);
      // Another user and another domain's admin: as if it did not exist, for viewing, releasing and deleting.
      for (const t of [bob.token, otherAdmin.token]) {
        await request(server).get(`/v1/quarantine/${item.id}`).set(bearer(t)).expect(404);
        await request(server).post(`/v1/quarantine/${item.id}/release`).set(bearer(t)).send({}).expect(404);
        await request(server).delete(`/v1/quarantine/${item.id}`).set(bearer(t)).expect(404);
        const list = await request(server).get('/v1/quarantine').set(bearer(t)).expect(200);
        expect(list.body.items.map((i: { id: string }) => i.id)).not.toContain(item.id);
      }
      await request(server).get(`/v1/quarantine?user=dave@example.net`).set(bearer(bob.token)).expect(404);
      // His domain's admin and the operators see it.
      expect(
        (await request(server).get('/v1/quarantine').set(bearer(admin.token)).expect(200)).body.items.map(
          (i: { id: string }) => i.id,
        ),
      ).toContain(item.id);
      expect(
        (
          await request(server).get('/v1/quarantine?user=dave@example.net').set(op).expect(200)
        ).body.items.map((i: { id: string }) => i.id),
      ).toContain(item.id);
    });

    it('a forged release header does not get a message past the scan', async () => {
      const r = await sendOnce(
        mx.port,
        { from: 'alice@sender.example', to: ['dave@example.net'] },
        message('forged release', [
          'Reply-To: elsewhere@other.example',
          'X-Spamfilter-Release: AAAAguessedAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        ]),
      );
      expect(r.data?.code).toBe(250);
      await inQuarantine(dave.token, 'forged release');
      expect(sink.messages).toHaveLength(0);
      const t = await eventually(
        () =>
          request(server)
            .get(`/v1/operator/messages/${refIn(r.data!.text)}`)
            .set(op),
        (x) => x.status === 200,
        'the transcript',
      );
      expect(
        t.body.symbols.find((x: { name: string }) => x.name === 'RELEASE_TICKET_INVALID')?.options,
      ).toEqual(['unknown']);
    });

    it('Dave releases it: it reaches the next hop through Haraka, marked released and "not spam"', async () => {
      const item = await inQuarantine(dave.token, 'cheap offer');
      const rel = await request(server)
        .post(`/v1/quarantine/${item.id}/release`)
        .set(bearer(dave.token))
        .send({ trainHam: true })
        .expect(200);
      expect(rel.body).toMatchObject({
        id: item.id,
        reference: item.reference,
        recipients: ['dave@example.net'],
        markId: expect.any(String),
      });
      expect(rel.body.smtp).toMatch(/^250 /);
      await waitFor(() => sink.messages.length === 1, 10_000, 'the released copy at the next hop');
      const got = sink.messages[0]!;
      expect(got.rcptTo).toEqual(['dave@example.net']);
      expect(got.mailFrom).toBe('alice@sender.example');
      expect(headerValues(got.raw, 'X-Spam-Reference')).toEqual([item.reference]);
      expect(headerValues(got.raw, 'X-Spam-Status')).toEqual(['No, released from the quarantine']);
      expect(headerValues(got.raw, 'X-Spamfilter-Release')).toEqual([]);
      expect(headerValues(got.raw, 'Subject')).toEqual(['cheap offer']);
      expect(bodyOf(got.raw).toString()).toContain('the minutes of Tuesday are below.');
      // The records say what happened; the ticket is spent; the mark went out like one from the marks API.
      const v = await request(server)
        .get(`/v1/verdicts/${item.reference}`)
        .set(bearer(dave.token))
        .expect(200);
      expect(v.body[0]).toMatchObject({ disposition: 'released', mark: 'ham' });
      expect(
        await db
          .getRepository(ScanRecipientEntity)
          .findOneBy({ reference: item.reference, recipient: 'dave@example.net' }),
      ).toMatchObject({ disposition: 'released' });
      expect(
        (await db.getRepository(ReleaseTicketEntity).findOneBy({ quarantineId: item.id }))?.usedAt,
      ).toBeInstanceOf(Date);
      expect(await db.getRepository(FeedbackMarkEntity).countBy({ userId: dave.id, label: 'ham' })).toBe(1);
      const listed = await request(server)
        .get('/v1/quarantine?status=released')
        .set(bearer(dave.token))
        .expect(200);
      expect(listed.body.items.find((i: { id: string }) => i.id === item.id)).toMatchObject({
        releasedBy: 'dave@example.net',
      });
      await request(server)
        .post(`/v1/quarantine/${item.id}/release`)
        .set(bearer(dave.token))
        .send({})
        .expect(409);
    });

    it('Dave deletes one for good', async () => {
      const item = await inQuarantine(dave.token, 'forged release');
      await request(server).delete(`/v1/quarantine/${item.id}`).set(bearer(dave.token)).expect(204);
      await request(server).get(`/v1/quarantine/${item.id}`).set(bearer(dave.token)).expect(404);
      // Both decisions are in the audit log: who, what, and the release's outcome.
      const audit = await request(server)
        .get('/v1/operator/audit-log?subject=quarantine')
        .set(op)
        .expect(200);
      const mine = audit.body.filter((a: { actor: string }) => a.actor === 'dave@example.net');
      expect(mine.map((a: { action: string }) => a.action).sort()).toEqual(['delete', 'release']);
      const release = mine.find((a: { action: string }) => a.action === 'release');
      expect(release).toMatchObject({
        actorRole: 'user',
        after: { smtp: expect.stringMatching(/^250 /), trainHam: true },
      });
      expect(mine.find((a: { action: string }) => a.action === 'delete').subjectId).toBe(item.id);
    });

    describe('held outbound mail', () => {
      let held: { id: string; reference: string };

      beforeAll(async () => {
        const r = await sendOnce(
          submission.port,
          {
            from: 'alice@example.net',
            to: ['partner@remote.example', 'other@remote.example'],
            auth: { user: 'alice@example.net', pass: 'alice-pass' },
          },
          message('invoice run', ['Reply-To: billing@other.example']),
        );
        expect(r.data?.code).toBe(250);
        expect(r.data?.text).toContain('held for review');
        held = await inQuarantine(OPERATOR_KEY, 'invoice run');
      });

      it('is listed for the operator and for Alice, never sent on its own', async () => {
        const mine = await request(server)
          .get('/v1/quarantine?direction=outbound')
          .set(bearer(alice.token))
          .expect(200);
        expect(mine.body.items).toEqual([
          expect.objectContaining({
            id: held.id,
            direction: 'outbound',
            recipients: ['partner@remote.example', 'other@remote.example'],
            mailFrom: 'alice@example.net',
          }),
        ]);
        expect(sink.messages).toHaveLength(0);
      });

      it('Alice cannot release it (403); an operator does, and it goes to every recipient through submission', async () => {
        await request(server)
          .post(`/v1/quarantine/${held.id}/release`)
          .set(bearer(alice.token))
          .send({})
          .expect(403);
        await request(server)
          .post(`/v1/quarantine/${held.id}/release`)
          .set(op)
          .send({ trainHam: true })
          .expect(400);
        const rel = await request(server)
          .post(`/v1/quarantine/${held.id}/release`)
          .set(op)
          .send({})
          .expect(200);
        expect(rel.body.recipients).toEqual(['partner@remote.example', 'other@remote.example']);
        await waitFor(
          () => sink.messages.length === 1,
          10_000,
          'the released outbound message at the next hop',
        );
        const got = sink.messages[0]!;
        expect([...got.rcptTo].sort()).toEqual(['other@remote.example', 'partner@remote.example']);
        expect(got.mailFrom).toBe('alice@example.net');
        expect(headerValues(got.raw, 'X-Spam-Reference')).toEqual([held.reference]);
        const t = await request(server).get(`/v1/operator/messages/${held.reference}`).set(op).expect(200);
        expect(t.body.recipients.map((x: { disposition: string }) => x.disposition)).toEqual([
          'released',
          'released',
        ]);
        // Alice's delivery status follows the released message under its reference.
        const status = await sentBy(alice.token, 'invoice run');
        expect(
          status.recipients.map((x: { status: string; last: { code: number } }) => [x.status, x.last.code]),
        ).toEqual([
          ['delivered', 250],
          ['delivered', 250],
        ]);
      });
    });

    it('sends each user with kept mail one digest a day through submission, and no second one', async () => {
      const r = await sendOnce(
        mx.port,
        { from: 'alice@sender.example', to: ['dave@example.net'] },
        message('weekly specials', ['Reply-To: elsewhere@other.example']),
      );
      expect(r.data?.code).toBe(250);
      await inQuarantine(dave.token, 'weekly specials');
      const run = await request(server).post('/v1/operator/quarantine/digests').set(op).expect(200);
      expect(run.body).toMatchObject({ sent: 1, failed: 0 });
      await waitFor(() => sink.messages.length === 1, 10_000, 'the digest at the next hop');
      const digest = sink.messages[0]!;
      expect(digest.rcptTo).toEqual(['dave@example.net']);
      expect(headerValues(digest.raw, 'Subject')[0]).toMatch(/^Quarantine digest: 1 message held for you/);
      expect(Buffer.from(bodyOf(digest.raw).toString(), 'base64').toString('utf8')).toContain(
        'weekly specials',
      );
      expect(
        (await request(server).post('/v1/operator/quarantine/digests').set(op).expect(200)).body,
      ).toMatchObject({ sent: 0, skipped: 1 });
    });
  });

  describe('delivery status of sent mail', () => {
    let hop: { port: number; received: string[][]; close(): Promise<void> };
    let relay: HarakaHandle;
    const ALICE = { user: 'alice@example.net', pass: 'alice-pass' };
    beforeAll(async () => {
      hop = await startRefusingHop(['ghost@remote.example']);
      relay = await startHaraka({
        kind: 'outbound',
        filterUrl: `http://127.0.0.1:${(filter.server.address() as AddressInfo).port}`,
        sinkPort: hop.port,
        users: { [ALICE.user]: ALICE.pass },
        spamfilter: { main: { fail_open: 'false' } },
      });
    }, 60_000);
    afterAll(async () => {
      await relay?.stop();
      await hop?.close();
    });

    it("shows the sender the next hop's own code and text for a refused recipient, and a delivery for the others", async () => {
      const refused = await sendOnce(
        relay.port,
        { from: ALICE.user, to: ['friend@remote.example', 'ghost@remote.example'], auth: ALICE },
        message('to a ghost'),
      );
      expect(refused.data?.code).toBe(550);
      expect(refused.data?.text).toMatch(/No such user/);
      const ok = await sendOnce(
        relay.port,
        { from: ALICE.user, to: ['friend@remote.example'], auth: ALICE },
        message('to a friend'),
      );
      expect(ok.data?.code).toBe(250);
      expect(hop.received).toEqual([['friend@remote.example']]);

      const ghost = await sentBy(alice.token, 'to a ghost');
      const byRcpt = Object.fromEntries(ghost.recipients.map((r: { recipient: string }) => [r.recipient, r]));
      expect(byRcpt['ghost@remote.example']).toMatchObject({
        status: 'bounced',
        last: {
          status: 'bounced',
          code: 550,
          enhanced: '5.1.1',
          text: expect.stringMatching(/No such user/),
        },
      });
      expect(byRcpt['friend@remote.example']).toMatchObject({ status: 'not_sent', last: { code: 250 } });
      expect(byRcpt['ghost@remote.example'].last.at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));

      const friend = await sentBy(alice.token, 'to a friend');
      expect(friend.recipients).toEqual([
        expect.objectContaining({
          recipient: 'friend@remote.example',
          action: 'accept',
          status: 'delivered',
          last: expect.objectContaining({ code: 250 }),
        }),
      ]);

      // Support sees the same answers in the message log; nobody else sees Alice's sent mail.
      const t = await request(server).get(`/v1/operator/messages/${ghost.reference}`).set(op).expect(200);
      expect(t.body.deliveries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            recipient: 'ghost@remote.example',
            status: 'bounced',
            code: 550,
            queueId: expect.any(String),
          }),
        ]),
      );
      await request(server).get(`/v1/sent/${ghost.reference}`).set(bearer(bob.token)).expect(404);
      expect(
        (await request(server).get(`/v1/sent/${ghost.reference}`).set(bearer(alice.token)).expect(200)).body
          .reference,
      ).toBe(ghost.reference);
      expect((await request(server).get('/v1/sent').set(bearer(bob.token)).expect(200)).body.items).toEqual(
        [],
      );
    });
  });
});

/** A next hop that refuses some recipients at RCPT (550 5.1.1), like a relay that knows the address is invalid. */
async function startRefusingHop(
  refuse: readonly string[],
): Promise<{ port: number; received: string[][]; close(): Promise<void> }> {
  const received: string[][] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse.includes(address.address))
        return callback(Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        received.push(session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
