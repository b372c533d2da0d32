import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@spamfilter/config';
import { formatReferenceId } from '@spamfilter/domain';
import { EventBus, type OperatorNotice } from '@spamfilter/messaging';
import { ListEntryEntity } from '@spamfilter/persistence';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { bearer, createUser, OPERATOR_KEY, type TestUser } from '../api/api-fixtures';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import { arfReport, seedLogged, sym } from './operator-fixtures';

/**
 * The operators' tools, the complaint ingestion and the public refusal page over HTTP against the real PostgreSQL.
 */
describe('operator tools over HTTP (PostgreSQL)', () => {
  let tdb: TestDatabase;
  let app: INestApplication;
  let db: DataSource;
  let server: never;
  let user: TestUser;
  const op = bearer(OPERATOR_KEY);
  const notices: OperatorNotice[] = [];

  async function noticeOf(kind: string, subject: string): Promise<OperatorNotice> {
    const end = Date.now() + 30_000;
    for (;;) {
      const n = notices.find((x) => x.kind === kind && x.subject === subject);
      if (n) return n;
      if (Date.now() > end)
        throw new Error(`no ${kind} notice for ${subject}: ${JSON.stringify(notices.map((x) => x.kind))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    const config = loadConfig({
      DB_TYPE: 'postgres',
      DB_URL: tdb.config.url,
      API_BOOTSTRAP_OPERATOR_KEY: OPERATOR_KEY,
      OUTBOX_RELAY_ENABLED: 'false',
      LEARNER_ENABLED: 'false',
      PUBLIC_LOOKUPS_PER_MINUTE: '25',
    });
    app = await createApiApp(config, { logger: false });
    db = app.get(DataSource);
    server = app.getHttpServer() as never;
    user = await createUser(app, 'alice@example.org');
    await app
      .get(EventBus)
      .subscribe('spamfilter.operator.v1', 'operator-api-test', async (n) => void notices.push(n));
  });

  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  describe('access', () => {
    const routes: [string, string][] = [
      ['get', '/v1/operator/aup-rules'],
      ['post', '/v1/operator/aup-rules/preview'],
      ['get', '/v1/operator/outbound/accounts'],
      ['post', '/v1/operator/outbound/accounts/x@customer.example/block'],
      ['post', '/v1/operator/outbound/accounts/x@customer.example/unblock'],
      ['get', '/v1/operator/outbound/audit'],
      ['get', '/v1/operator/lists?scope=global'],
      ['post', '/v1/operator/lists'],
      ['get', '/v1/operator/messages'],
      ['get', '/v1/operator/delist-requests'],
      ['post', '/v1/operator/complaints/arf'],
    ];

    it.each(routes)('a user key gets 403 on %s %s, no key 401', async (method, path) => {
      const call = (r: request.Test) => r.send({ reason: 'because I can' });
      const client = request(server) as never as Record<string, (p: string) => request.Test>;
      const asUser = await call(client[method]!(path).set(bearer(user.token)));
      expect(asUser.status).toBe(403);
      const anonymous = await call(
        (request(server) as never as Record<string, (p: string) => request.Test>)[method](path),
      );
      expect(anonymous.status).toBe(401);
    });

    it('blocked nothing while refusing the user', async () => {
      const r = await request(server)
        .get('/v1/operator/outbound/accounts?status=blocked')
        .set(op)
        .expect(200);
      expect(r.body).toEqual([]);
    });
  });

  describe('outbound blocks and the audit trail', () => {
    const account = 'mallory@customer.example';

    it('blocks and unblocks with who and why, and refuses a double block', async () => {
      const b = await request(server)
        .post(`/v1/operator/outbound/accounts/${account}/block`)
        .set(op)
        .send({ reason: 'phishing run, ticket 4711' })
        .expect(201);
      expect(b.body.account).toMatchObject({
        address: account,
        status: 'blocked',
        blockedReason: 'phishing run, ticket 4711',
      });
      expect(b.body.audit).toMatchObject({ action: 'block', reason: 'phishing run, ticket 4711' });
      await request(server)
        .post(`/v1/operator/outbound/accounts/${account}/block`)
        .set(op)
        .send({ reason: 'again' })
        .expect(409);
      const blocked = await request(server)
        .get('/v1/operator/outbound/accounts?status=blocked')
        .set(op)
        .expect(200);
      expect(blocked.body.map((a: { address: string }) => a.address)).toEqual([account]);

      await request(server)
        .post(`/v1/operator/outbound/accounts/${account}/unblock`)
        .set(op)
        .send({ reason: 'password reset' })
        .expect(201);
      const detail = await request(server)
        .get(`/v1/operator/outbound/accounts/${account}`)
        .set(op)
        .expect(200);
      expect(detail.body.account.status).toBe('active');
      expect(detail.body.audit.map((a: { action: string; reason: string }) => [a.action, a.reason])).toEqual([
        ['block', 'phishing run, ticket 4711'],
        ['unblock', 'password reset'],
      ]);
      expect(new Set(detail.body.audit.map((a: { actor: string }) => a.actor)).size).toBe(1);
      expect((await noticeOf('outbound_account_blocked', account)).detail).toMatchObject({
        reason: 'phishing run, ticket 4711',
      });
      expect((await noticeOf('outbound_account_unblocked', account)).detail).toMatchObject({
        reason: 'password reset',
      });
    });

    it('asks for a reason', async () => {
      const r = await request(server)
        .post(`/v1/operator/outbound/accounts/${account}/block`)
        .set(op)
        .send({})
        .expect(400);
      expect(JSON.stringify(r.body.message)).toContain('reason');
    });

    it('has no route that edits or deletes audit rows, and the database refuses both', async () => {
      const audit = await request(server).get('/v1/operator/outbound/audit').set(op).expect(200);
      const id = audit.body[0].id as number;
      for (const method of ['put', 'patch', 'delete'] as const) {
        const client = request(server);
        await client[method](`/v1/operator/outbound/audit/${id}`).set(op).send({ reason: 'x' }).expect(404);
        await client[method](`/v1/operator/outbound/audit`).set(op).send({ reason: 'x' }).expect(404);
      }
      await expect(
        db.query(`UPDATE outbound_audit SET reason = 'rewritten' WHERE id = $1`, [id]),
      ).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM outbound_audit WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
      const after = await request(server).get('/v1/operator/outbound/audit').set(op).expect(200);
      expect(after.body).toEqual(audit.body);
    });
  });

  describe('AUP rules', () => {
    const rule = {
      name: 'lottery',
      description: 'prize scams',
      score: 9,
      conditions: [{ field: 'subject', op: 'contains', value: 'you won' }],
    };

    it('refuses an invalid rule with every problem named', async () => {
      const r = await request(server)
        .post('/v1/operator/aup-rules')
        .set(op)
        .send({ name: '', score: 'high', conditions: [{ field: 'body', op: 'regex', value: '(a+)+' }] })
        .expect(400);
      const text = (r.body.message as string[]).join('\n');
      expect(text).toMatch(/^name:/m);
      expect(text).toMatch(/^score:/m);
      expect(text).toMatch(/backtracking/);
    });

    it('previews what a rule would have caught in the last day of outbound mail, then stores, updates and deletes it', async () => {
      const hit1 = await seedLogged(db, {
        authUser: 'a@customer.example',
        mailFrom: 'a@customer.example',
        recipients: ['x@far.example'],
        subject: 'You WON a car',
        action: 'accept',
      });
      const hit2 = await seedLogged(db, {
        authUser: 'b@customer.example',
        mailFrom: 'b@customer.example',
        recipients: ['y@far.example'],
        subject: 're: you won?',
        action: 'accept',
      });
      await seedLogged(db, {
        authUser: 'a@customer.example',
        mailFrom: 'a@customer.example',
        recipients: ['x@far.example'],
        subject: 'minutes',
        action: 'accept',
      });
      await seedLogged(db, {
        authUser: 'c@customer.example',
        mailFrom: 'c@customer.example',
        recipients: ['z@far.example'],
        subject: 'you won (two days ago)',
        action: 'accept',
        createdAt: new Date(Date.now() - 2 * 86_400_000),
      });
      await seedLogged(db, {
        direction: 'inbound',
        mailFrom: 'spam@far.example',
        recipients: ['alice@example.org'],
        subject: 'you won',
        action: 'tag',
      });

      const preview = await request(server)
        .post('/v1/operator/aup-rules/preview')
        .set(op)
        .send(rule)
        .expect(200);
      expect(preview.body).toMatchObject({ examined: 3, matched: 2, undecidable: 0, capped: false });
      expect([...preview.body.sample].sort()).toEqual([hit1, hit2].sort());

      const bodyRule = await request(server)
        .post('/v1/operator/aup-rules/preview')
        .set(op)
        .send({ ...rule, conditions: [{ field: 'body', op: 'contains', value: 'prize' }] })
        .expect(200);
      expect(bodyRule.body).toMatchObject({ examined: 3, matched: 0, undecidable: 3 });

      const created = await request(server).post('/v1/operator/aup-rules').set(op).send(rule).expect(201);
      expect(created.body).toMatchObject({ name: 'lottery', enabled: true, version: 1, score: 9 });
      await request(server).post('/v1/operator/aup-rules').set(op).send(rule).expect(409);
      const stored = await request(server)
        .get(`/v1/operator/aup-rules/${created.body.id as string}/preview`)
        .set(op)
        .expect(200);
      expect(stored.body.matched).toBe(2);

      await request(server)
        .put(`/v1/operator/aup-rules/${created.body.id as string}`)
        .set(op)
        .send({ ...rule, score: 12, version: 7 })
        .expect(409);
      const updated = await request(server)
        .put(`/v1/operator/aup-rules/${created.body.id as string}`)
        .set(op)
        .send({ ...rule, score: 12, version: 1 })
        .expect(200);
      expect(updated.body).toMatchObject({ score: 12, version: 2 });
      await request(server)
        .delete(`/v1/operator/aup-rules/${created.body.id as string}`)
        .set(op)
        .expect(204);
      expect((await request(server).get('/v1/operator/aup-rules').set(op).expect(200)).body).toEqual([]);
    });
  });

  describe('lists', () => {
    it('adds, lists and removes global and domain entries, and refuses values that can never match', async () => {
      const g = await request(server)
        .post('/v1/operator/lists')
        .set(op)
        .send({
          scope: 'global',
          kind: 'block',
          matchType: 'cidr',
          value: '203.0.113.0/24',
          reason: 'botnet',
        })
        .expect(201);
      expect(g.body).toMatchObject({
        scope: 'global',
        kind: 'block',
        matchType: 'cidr',
        value: '203.0.113.0/24',
        direction: 'inbound',
      });
      await request(server)
        .post('/v1/operator/lists')
        .set(op)
        .send({ scope: 'global', kind: 'block', matchType: 'cidr', value: '203.0.113.0/33' })
        .expect(400);
      await request(server)
        .post('/v1/operator/lists')
        .set(op)
        .send({ scope: 'global', kind: 'allow', matchType: 'ip', value: 'mail.example' })
        .expect(400);
      await request(server)
        .post('/v1/operator/lists')
        .set(op)
        .send({
          scope: 'domain',
          domain: 'unknown.example',
          kind: 'allow',
          matchType: 'domain',
          value: 'partner.example',
        })
        .expect(404);
      const d = await request(server)
        .post('/v1/operator/lists')
        .set(op)
        .send({
          scope: 'domain',
          domain: 'example.org',
          kind: 'allow',
          matchType: 'domain',
          value: 'Partner.Example',
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        })
        .expect(201);
      expect(d.body).toMatchObject({ scope: 'domain', domain: 'example.org', value: 'partner.example' });
      expect(
        (await request(server).get('/v1/operator/lists?scope=global').set(op).expect(200)).body.map(
          (e: { id: string }) => e.id,
        ),
      ).toEqual([g.body.id]);
      expect(
        (await request(server).get('/v1/operator/lists?scope=domain&domain=example.org').set(op).expect(200))
          .body,
      ).toHaveLength(1);
      await request(server)
        .delete(`/v1/operator/lists/${d.body.id as string}?scope=global`)
        .set(op)
        .expect(404);
      await request(server)
        .delete(`/v1/operator/lists/${d.body.id as string}?scope=domain&domain=example.org`)
        .set(op)
        .expect(204);
    });
  });

  describe('message log', () => {
    it('finds messages by sender, ip, action and reference and shows the transcript', async () => {
      const ref = await seedLogged(db, {
        direction: 'inbound',
        mailFrom: 'bulk@sender.example',
        recipients: ['alice@example.org'],
        subject: 'offer',
        action: 'reject',
        score: 17.5,
        clientIp: '192.0.2.99',
        symbols: [sym('R_SPF_FAIL', 'auth', 2), sym('BAYES_SPAM', 'bayes', 5.1, ['0.99'])],
        smtpReply: { code: 550, enhanced: '5.7.1', message: 'Message refused as spam (ref X)' },
      });
      for (const q of [
        'sender=bulk@sender.example',
        'ip=192.0.2.99',
        'action=reject&direction=inbound',
        `reference=${ref.toLowerCase()}`,
      ]) {
        const r = await request(server).get(`/v1/operator/messages?${q}`).set(op).expect(200);
        expect(r.body.items.map((i: { reference: string }) => i.reference)).toEqual([ref]);
      }
      await request(server).get('/v1/operator/messages?ip=not-an-ip').set(op).expect(400);
      const t = await request(server).get(`/v1/operator/messages/${ref}`).set(op).expect(200);
      expect(t.body).toMatchObject({
        reference: ref,
        action: 'reject',
        score: 17.5,
        smtpReply: { code: 550, enhanced: '5.7.1' },
        clientIp: '192.0.2.99',
      });
      expect(t.body.symbols.map((s: { name: string }) => s.name)).toEqual(['R_SPF_FAIL', 'BAYES_SPAM']);
      expect(t.body.recipients).toEqual([
        expect.objectContaining({ recipient: 'alice@example.org', action: 'reject' }),
      ]);
    });
  });

  describe('complaints (ARF)', () => {
    it("lowers the standing of the account that sent the reported message, and no one else's", async () => {
      const guilty = 'spammy@customer.example';
      const innocent = 'innocent@customer.example';
      const ref = await seedLogged(db, {
        authUser: guilty,
        mailFrom: guilty,
        recipients: ['victim@mailbox.example'],
        action: 'accept',
      });
      await seedLogged(db, {
        authUser: innocent,
        mailFrom: innocent,
        recipients: ['friend@mailbox.example'],
        action: 'accept',
      });
      const before = await request(server)
        .get(`/v1/operator/outbound/accounts/${guilty}`)
        .set(op)
        .expect(404);
      expect(before.status).toBe(404); // nothing known about it yet

      const r = await request(server)
        .post('/v1/operator/complaints/arf')
        .set(op)
        .set('content-type', 'message/rfc822')
        .send(arfReport(ref))
        .expect(201);
      expect(r.body).toMatchObject({ reference: ref, account: guilty, counted: true, feedbackType: 'abuse' });
      expect(r.body.standing).toMatchObject({ complaints: 1, score: 80, level: 'warn' });

      const detail = await request(server)
        .get(`/v1/operator/outbound/accounts/${guilty}`)
        .set(op)
        .expect(200);
      expect(detail.body.standing).toMatchObject({ complaints: 1, score: 80 });
      const listed = await request(server).get('/v1/operator/outbound/accounts').set(op).expect(200);
      expect(listed.body.find((a: { address: string }) => a.address === guilty).standing).toMatchObject({
        score: 80,
      });
      await request(server).get(`/v1/operator/outbound/accounts/${innocent}`).set(op).expect(404);
      const complaints = await request(server)
        .get(`/v1/operator/outbound/accounts/${guilty}/complaints`)
        .set(op)
        .expect(200);
      expect(complaints.body).toEqual([expect.objectContaining({ reference: ref, feedbackType: 'abuse' })]);

      // The same report again (a loop resending it, an operator posting it twice) counts once.
      const again = await request(server)
        .post('/v1/operator/complaints/arf')
        .set(op)
        .set('content-type', 'message/rfc822')
        .send(arfReport(ref))
        .expect(201);
      expect(again.body).toMatchObject({ id: r.body.id, counted: false, duplicate: true, standing: null });
      const still = await request(server).get(`/v1/operator/outbound/accounts/${guilty}`).set(op).expect(200);
      expect(still.body.standing).toMatchObject({ complaints: 1, score: 80 });
      expect(
        (await request(server).get(`/v1/operator/outbound/accounts/${guilty}/complaints`).set(op).expect(200))
          .body,
      ).toHaveLength(1);

      // Another recipient's complaint about the same message is another complaint.
      const second = await request(server)
        .post('/v1/operator/complaints/arf')
        .set(op)
        .set('content-type', 'message/rfc822')
        .send(arfReport(ref, 'abuse', 'other@mailbox.example'))
        .expect(201);
      expect(second.body).toMatchObject({ counted: true, duplicate: false });
      expect(second.body.standing).toMatchObject({ complaints: 2, score: 60 });
    });

    it('keeps a report without our reference unattributed, and refuses mail that is no report', async () => {
      const r = await request(server)
        .post('/v1/operator/complaints/arf')
        .set(op)
        .set('content-type', 'message/rfc822')
        .send(arfReport(null))
        .expect(201);
      expect(r.body).toMatchObject({ account: null, counted: false, standing: null });
      await request(server)
        .post('/v1/operator/complaints/arf')
        .set(op)
        .set('content-type', 'message/rfc822')
        .send('Subject: hi\r\n\r\nhello\r\n')
        .expect(400);
    });
  });

  describe('the public page and the delisting queue', () => {
    let refused: string;
    let accepted: string;

    beforeAll(async () => {
      refused = await seedLogged(db, {
        direction: 'inbound',
        mailFrom: 'newsletter@shop.example',
        recipients: ['alice@example.org'],
        subject: 'SECRET SUBJECT',
        action: 'reject',
        score: 16.25,
        clientIp: '192.0.2.44',
        symbols: [
          sym('R_SPF_FAIL', 'auth', 2),
          sym('RDNS_NONE', 'connection', 1),
          sym('BAYES_SPAM', 'bayes', 5.1),
        ],
      });
      accepted = await seedLogged(db, {
        direction: 'inbound',
        mailFrom: 'friend@shop.example',
        recipients: ['alice@example.org'],
        subject: 'hi',
        action: 'accept',
      });
    });

    it('explains a refusal in plain words without a key, showing nothing the sender does not need', async () => {
      const r = await request(server).get(`/v1/public/refusals/${refused}`).expect(200);
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.body.headline).toBe('This message was refused.');
      expect(r.body.reasons.map((x: { kind: string }) => x.kind)).toEqual(['spf', 'rdns', 'content']);
      expect(r.body.reasons[0].what).toBe(
        "Your server (192.0.2.44) is not allowed to send mail for shop.example: the domain's SPF record does not list it.",
      );
      expect(r.body.reviewable).toBe(true);
      expect(Object.keys(r.body).sort()).toEqual([
        'headline',
        'reasons',
        'reference',
        'refusedAt',
        'reviewable',
      ]);
      const text = JSON.stringify(r.body);
      for (const secret of ['alice@example.org', 'SECRET SUBJECT', '16.25', 'BAYES', 'R_SPF_FAIL'])
        expect(text).not.toContain(secret);

      const html = await request(server).get(`/why?ref=${refused}`).expect(200);
      expect(html.headers['content-type']).toMatch(/text\/html/);
      expect(html.text).toContain('Fix SPF');
      expect(html.text).not.toContain('alice@example.org');
      expect(html.text).not.toContain('SECRET SUBJECT');
    });

    it('answers an unknown, a malformed and a not-refused reference with the same 404', async () => {
      const unknown = formatReferenceId(Date.now(), randomBytes(10));
      const answers = await Promise.all(
        [unknown, accepted, 'not-a-reference', refused.slice(0, 25)].map((ref) =>
          request(server).get(`/v1/public/refusals/${ref}`),
        ),
      );
      for (const a of answers) expect(a.status).toBe(404);
      expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
      const html = await request(server).get(`/why?ref=${accepted}`).expect(404);
      expect(html.text).not.toContain('friend@shop.example');
    });

    it('queues a review request; an operator approves it and an allow entry for the refused recipient, with an expiry, appears', async () => {
      await request(server)
        .post('/v1/public/delist-requests')
        .send({ reference: accepted, email: 'it@shop.example', message: 'please' })
        .expect(404);
      const q = await request(server)
        .post('/v1/public/delist-requests')
        .send({ reference: refused, email: 'IT@shop.example', message: 'We fixed our SPF record.' })
        .expect(202);
      expect(q.body.status).toBe('pending');
      expect((await noticeOf('delist_requested', refused)).detail).toMatchObject({
        requestId: q.body.id,
        reasons: ['spf', 'rdns', 'content'],
      });
      const user403 = await request(server).get('/v1/operator/delist-requests').set(bearer(user.token));
      expect(user403.status).toBe(403);
      const queue = await request(server).get('/v1/operator/delist-requests').set(op).expect(200);
      expect(queue.body).toEqual([
        expect.objectContaining({
          id: q.body.id,
          reference: refused,
          requesterEmail: 'it@shop.example',
          status: 'pending',
        }),
      ]);

      const approved = await request(server)
        .post(`/v1/operator/delist-requests/${q.body.id as string}/approve`)
        .set(op)
        .send({ note: 'SPF fixed' })
        .expect(201);
      expect(approved.body.request.status).toBe('approved');
      expect(approved.body.allowEntry).toMatchObject({
        scope: 'user',
        user: 'alice@example.org',
        kind: 'allow',
        matchType: 'address',
        value: 'newsletter@shop.example',
        direction: 'inbound',
        requires: null,
      });
      const entry = await db
        .getRepository(ListEntryEntity)
        .findOneByOrFail({ id: approved.body.allowEntry.id as string });
      const days = (entry.expiresAt!.getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThanOrEqual(30);
      await request(server)
        .post(`/v1/operator/delist-requests/${q.body.id as string}/approve`)
        .set(op)
        .send({})
        .expect(409);
      expect((await request(server).get('/v1/operator/delist-requests').set(op).expect(200)).body).toEqual(
        [],
      );
    });

    it('rate-limits look-ups per client', async () => {
      // 60 tries: even when a minute boundary restarts the window mid-loop, one window sees more than the limit of 25.
      let last = 200;
      for (let i = 0; i < 60 && last !== 429; i++)
        last = (await request(server).get(`/v1/public/refusals/${refused}`)).status;
      expect(last).toBe(429);
    });
  });
});
