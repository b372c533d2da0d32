import type { INestApplication } from '@nestjs/common';
import { hashToken } from '@spamfilter/bayes';
import { loadConfig } from '@spamfilter/config';
import {
  ApiKeyEntity,
  FeedbackMarkEntity,
  OutboxEventEntity,
  ProcessedEventEntity,
  ScanRecordEntity,
} from '@spamfilter/persistence';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { OutboxRelayService } from '../../apps/api/src/services/outbox-relay.service';
import { RetentionService } from '../../apps/api/src/services/retention.service';
import { parseApiKey } from '../../apps/api/src/services/api-key.codec';
import { AuthService } from '../../apps/api/src/services/auth.service';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import { bearer, createUser, OPERATOR_KEY, seedScan, type TestUser } from './api-fixtures';

/**
 * The API over HTTP against the real PostgreSQL: authentication on every route, roles, tenancy, marks written with
 * their outbox row in one transaction. The relay is off here (this suite looks at the outbox rows themselves);
 * test/feedback covers relaying through the real Kafka.
 */
describe('api over HTTP', () => {
  let tdb: TestDatabase;
  let app: INestApplication;
  let db: DataSource;
  let server: never;
  let alice: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  let aliceRef: string;
  let bobRef: string;
  let carolRef: string;

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    const config = loadConfig({
      DB_TYPE: 'postgres',
      DB_URL: tdb.config.url,
      API_BOOTSTRAP_OPERATOR_KEY: OPERATOR_KEY,
      OUTBOX_RELAY_ENABLED: 'false',
      LEARNER_ENABLED: 'false',
    });
    app = await createApiApp(config, { logger: false });
    db = app.get(DataSource);
    server = app.getHttpServer() as never;
    alice = await createUser(app, 'alice@example.org');
    bob = await createUser(app, 'bob@example.org');
    await createUser(app, 'carol@other.example');
    admin = await createUser(app, 'postmaster@example.org', 'domain_admin');
    aliceRef = await seedScan(db, { recipients: ['alice@example.org'], subject: 'for alice' });
    bobRef = await seedScan(db, { recipients: ['bob@example.org'], subject: 'for bob' });
    carolRef = await seedScan(db, { recipients: ['carol@other.example'], subject: 'for carol' });
  });

  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  const counts = async () => ({
    marks: await db.getRepository(FeedbackMarkEntity).count(),
    outbox: await db.getRepository(OutboxEventEntity).count(),
  });

  it('serves the OpenAPI document and the UI without a key', async () => {
    const doc = await request(server).get('/openapi.json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/marks',
        '/v1/marks/raw',
        '/v1/marks/{id}',
        '/v1/verdicts',
        '/v1/verdicts/{reference}',
      ]),
    );
    await request(server).get('/docs').expect(200);
  });

  it('answers 401 on every route but /health without a key or with a wrong one', async () => {
    const doc = (await request(server).get('/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({ method, path })),
    );
    expect(routes.length).toBeGreaterThanOrEqual(9);
    const wrong = OPERATOR_KEY.slice(0, -1) + (OPERATOR_KEY.endsWith('a') ? 'b' : 'a');
    for (const { method, path } of routes) {
      const url = path
        .replace('{id}', '00000000-0000-4000-8000-000000000000')
        .replace('{reference}', aliceRef);
      const call = (h: Record<string, string>) =>
        (request(server) as unknown as Record<string, (u: string) => request.Test>)[method](url).set(h);
      if (path === '/health') {
        await call({}).expect(200);
        continue;
      }
      for (const headers of [
        {},
        bearer(wrong),
        { Authorization: 'Basic b3A6b3A=' },
        bearer('sf_unknown01_' + 'x'.repeat(30)),
      ]) {
        const res = await call(headers);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
      }
    }
  });

  it('knows who calls and refuses operator routes to others (403)', async () => {
    const me = await request(server).get('/v1/me').set(bearer(alice.token)).expect(200);
    expect(me.body).toMatchObject({ id: alice.id, address: 'alice@example.org', role: 'user' });
    await request(server)
      .post('/v1/users')
      .set(bearer(alice.token))
      .send({ address: 'eve@example.org' })
      .expect(403);
    // a domain admin creates users of their own domain only
    await request(server)
      .post('/v1/users')
      .set(bearer(admin.token))
      .send({ address: 'eve@elsewhere.example' })
      .expect(403);
    await request(server)
      .post('/v1/users')
      .set(bearer(admin.token))
      .send({ address: 'eve@example.org' })
      .expect(201);
    await request(server)
      .post(`/v1/users/${alice.id}/keys`)
      .set(bearer(admin.token))
      .send({ role: 'operator' })
      .expect(403);
    await request(server)
      .post(`/v1/users/${alice.id}/keys`)
      .set(bearer(alice.token))
      .send({ role: 'operator' })
      .expect(403);
  });

  it('trusts an authenticated key for API_AUTH_CACHE_MS (5 s): a revocation by another instance counts after that', async () => {
    const k = await request(server)
      .post(`/v1/users/${bob.id}/keys`)
      .set(bearer(OPERATOR_KEY))
      .send({})
      .expect(201);
    const auth = app.get(AuthService);
    const key = parseApiKey(k.body.token as string)!;
    const t = Date.now();
    expect((await auth.authenticate(key, t))?.keyId).toBe(k.body.id);
    // A wrong secret with the same prefix is never served from the cache.
    expect(
      await auth.authenticate(
        { ...key, secret: `${key.secret.slice(0, -1)}${key.secret.endsWith('x') ? 'y' : 'x'}` },
        t,
      ),
    ).toBeNull();
    // Revoked behind this instance's back, as another API instance would.
    await db.getRepository(ApiKeyEntity).update({ id: k.body.id as string }, { revokedAt: new Date() });
    expect((await auth.authenticate(key, t + 4_000))?.keyId).toBe(k.body.id);
    expect(await auth.authenticate(key, t + 5_001)).toBeNull();
  });

  it('revokes keys', async () => {
    const k = await request(server)
      .post(`/v1/users/${bob.id}/keys`)
      .set(bearer(OPERATOR_KEY))
      .send({})
      .expect(201);
    await request(server)
      .get('/v1/me')
      .set(bearer(k.body.token as string))
      .expect(200);
    await request(server)
      .delete(`/v1/keys/${k.body.id as string}`)
      .set(bearer(OPERATOR_KEY))
      .expect(204);
    await request(server)
      .get('/v1/me')
      .set(bearer(k.body.token as string))
      .expect(401);
  });

  it("lists only the caller's verdicts, with reasons and paging", async () => {
    const extra = await seedScan(db, {
      recipients: ['alice@example.org', 'bob@example.org'],
      subject: 'to both',
    });
    const page1 = await request(server).get('/v1/verdicts?limit=1').set(bearer(alice.token)).expect(200);
    expect(page1.body.items).toHaveLength(1);
    expect(page1.body.items[0]).toMatchObject({
      reference: extra,
      recipient: 'alice@example.org',
      reason: expect.any(String),
    });
    expect(page1.body.items[0].symbols[0]).toMatchObject({ name: 'BAYES_HAM', score: -1 });
    const page2 = await request(server)
      .get(`/v1/verdicts?limit=1&before=${page1.body.next as string}`)
      .set(bearer(alice.token))
      .expect(200);
    expect(page2.body.items.map((v: { reference: string }) => v.reference)).toEqual([aliceRef]);
    expect(page2.body.next).toBeNull();
    const all = await request(server).get('/v1/verdicts').set(bearer(alice.token)).expect(200);
    expect(all.body.items.every((v: { recipient: string }) => v.recipient === 'alice@example.org')).toBe(
      true,
    );
    await request(server).get('/v1/verdicts?limit=0').set(bearer(alice.token)).expect(400);
    await request(server).get('/v1/verdicts?before=garbage').set(bearer(alice.token)).expect(400);
    await request(server).get('/v1/verdicts?user=bob@example.org').set(bearer(alice.token)).expect(404);
  });

  it("answers 404 for another user's reference, and a domain admin sees only their domain", async () => {
    await request(server).get(`/v1/verdicts/${bobRef}`).set(bearer(alice.token)).expect(404);
    const own = await request(server).get(`/v1/verdicts/${aliceRef}`).set(bearer(alice.token)).expect(200);
    expect(own.body).toHaveLength(1);
    await request(server).get(`/v1/verdicts/${bobRef}`).set(bearer(admin.token)).expect(200);
    await request(server).get(`/v1/verdicts/${carolRef}`).set(bearer(admin.token)).expect(404);
    const bobs = await request(server)
      .get('/v1/verdicts?user=bob@example.org')
      .set(bearer(admin.token))
      .expect(200);
    expect(bobs.body.items.length).toBeGreaterThan(0);
    await request(server).get('/v1/verdicts?user=carol@other.example').set(bearer(admin.token)).expect(404);
    await request(server).get(`/v1/verdicts/${carolRef}`).set(bearer(OPERATOR_KEY)).expect(200);
    await request(server).get('/v1/verdicts/not-a-reference').set(bearer(alice.token)).expect(400);
  });

  it("refuses to mark another user's message (404) and writes nothing", async () => {
    const before = await counts();
    await request(server)
      .post('/v1/marks')
      .set(bearer(alice.token))
      .send({ reference: bobRef, label: 'spam' })
      .expect(404);
    await request(server)
      .post('/v1/marks')
      .set(bearer(admin.token))
      .send({ reference: carolRef, label: 'spam' })
      .expect(404);
    expect(await counts()).toEqual(before);
  });

  it('validates marks with clear 400s', async () => {
    const res = await request(server)
      .post('/v1/marks')
      .set(bearer(alice.token))
      .send({ reference: 'nope', label: 'maybe', extra: 1 })
      .expect(400);
    const text = JSON.stringify(res.body.message);
    expect(text).toContain('reference');
    expect(text).toContain('label');
    await request(server).post('/v1/marks').set(bearer(alice.token)).send({}).expect(400);
    await request(server).delete('/v1/marks/not-a-uuid').set(bearer(alice.token)).expect(400);
  });

  it('writes the mark and its outbox event together; repeat, correction and undo', async () => {
    const before = await counts();
    const m1 = await request(server)
      .post('/v1/marks')
      .set(bearer(alice.token))
      .send({ reference: aliceRef.toLowerCase(), label: 'spam' })
      .expect(201);
    expect(m1.body).toMatchObject({
      userId: alice.id,
      label: 'spam',
      reference: aliceRef,
      status: 'accepted',
    });
    const rows = await db.getRepository(OutboxEventEntity).find({ order: { id: 'DESC' }, take: 1 });
    expect(rows[0]).toMatchObject({
      topic: 'spamfilter.feedback.v1',
      messageKey: alice.id,
      publishedAt: null,
    });
    expect(rows[0].payload).toMatchObject({
      eventId: m1.body.eventId,
      kind: 'learn',
      label: 'spam',
      userId: alice.id,
      reference: aliceRef,
    });
    expect(await counts()).toEqual({ marks: before.marks + 1, outbox: before.outbox + 1 });

    const again = await request(server)
      .post('/v1/marks')
      .set(bearer(alice.token))
      .send({ reference: aliceRef, label: 'spam' })
      .expect(201);
    expect(again.body.id).toBe(m1.body.id);
    expect(await counts()).toEqual({ marks: before.marks + 1, outbox: before.outbox + 1 });

    const fix = await request(server)
      .post('/v1/marks')
      .set(bearer(alice.token))
      .send({ reference: aliceRef, label: 'ham' })
      .expect(201);
    expect(fix.body.id).not.toBe(m1.body.id);
    expect(await counts()).toEqual({ marks: before.marks + 2, outbox: before.outbox + 2 });
    const listed = await request(server).get(`/v1/verdicts/${aliceRef}`).set(bearer(alice.token)).expect(200);
    expect(listed.body[0].mark).toBe('ham');

    await request(server)
      .delete(`/v1/marks/${fix.body.id as string}`)
      .set(bearer(bob.token))
      .expect(404);
    const undone = await request(server)
      .delete(`/v1/marks/${fix.body.id as string}`)
      .set(bearer(alice.token))
      .expect(200);
    expect(undone.body.status).toBe('undone');
    const last = await db.getRepository(OutboxEventEntity).find({ order: { id: 'DESC' }, take: 1 });
    expect(last[0].payload).toMatchObject({
      kind: 'undo',
      label: null,
      userId: alice.id,
      messageId: fix.body.messageId,
    });
    await request(server)
      .delete(`/v1/marks/${fix.body.id as string}`)
      .set(bearer(alice.token))
      .expect(200);
    expect(await counts()).toEqual({ marks: before.marks + 3, outbox: before.outbox + 3 });
  });

  it('takes raw marks for the caller, with training data for the learner', async () => {
    const raw =
      'From: Deals <deals@shop.example>\r\nTo: alice@example.org\r\nSubject: Cheap pills now\r\nMessage-ID: <raw-1@shop.example>\r\nList-Unsubscribe: <mailto:u@shop.example>\r\n\r\nBuy cheap pills today\r\n';
    const res = await request(server)
      .post('/v1/marks/raw')
      .set(bearer(alice.token))
      .set('Content-Type', 'message/rfc822')
      .send(raw)
      .expect(201);
    expect(res.body).toMatchObject({ userId: alice.id, label: 'spam', reference: null });
    const last = await db.getRepository(OutboxEventEntity).find({ order: { id: 'DESC' }, take: 1 });
    const payload = last[0].payload as {
      training: { tokens: number[]; sender: string; listUnsubscribe: boolean };
    };
    expect(payload.training).toMatchObject({ sender: 'deals@shop.example', listUnsubscribe: true });
    expect(payload.training.tokens).toEqual(expect.arrayContaining([hashToken('cheap'), hashToken('pills')]));
    await request(server)
      .post('/v1/marks/raw?label=ham')
      .set(bearer(alice.token))
      .set('Content-Type', 'message/rfc822')
      .send(raw)
      .expect(201);
    await request(server)
      .post('/v1/marks/raw?label=maybe')
      .set(bearer(alice.token))
      .set('Content-Type', 'message/rfc822')
      .send(raw)
      .expect(400);
    await request(server)
      .post('/v1/marks/raw')
      .set(bearer(alice.token))
      .set('Content-Type', 'message/rfc822')
      .expect(400);
    await request(server)
      .post('/v1/marks/raw?recipient=bob@example.org')
      .set(bearer(alice.token))
      .set('Content-Type', 'message/rfc822')
      .send(raw)
      .expect(404);
  });

  it('reports the outbox backlog on /health', async () => {
    const h = await request(server).get('/health').expect(200);
    expect(h.body).toMatchObject({ status: 'ok', database: 'up' });
    expect(h.body.outboxBacklog).toBe(await db.getRepository(OutboxEventEntity).countBy({}));
  });

  it('deletes published outbox events older than the retention (24 h by default), never unpublished ones', async () => {
    const repo = db.getRepository(OutboxEventEntity);
    const rows = await repo.find({ order: { id: 'ASC' } });
    expect(rows.length).toBeGreaterThanOrEqual(3);
    const [dayOld, hourOld] = rows;
    const now = new Date();
    await repo.update({ id: dayOld!.id }, { publishedAt: new Date(now.getTime() - 25 * 3_600_000) });
    await repo.update({ id: hourOld!.id }, { publishedAt: new Date(now.getTime() - 3_600_000) });
    const relay = app.get(OutboxRelayService);
    expect(await relay.purge(now)).toBe(1);
    const left = (await repo.find({ order: { id: 'ASC' } })).map((r) => r.id);
    expect(left).toEqual(rows.slice(1).map((r) => r.id));
    expect(await relay.purge(now)).toBe(0);
  });

  it('deletes verdicts and processed event ids past their retention (30 and 14 days), keeping newer ones', async () => {
    const day = 86_400_000;
    const now = new Date();
    const old = await seedScan(db, { recipients: ['alice@example.org'], subject: 'old' });
    await db
      .getRepository(ScanRecordEntity)
      .update({ reference: old }, { createdAt: new Date(now.getTime() - 31 * day) });
    await db.getRepository(ProcessedEventEntity).insert([
      { consumer: 'retention-test', eventId: 'old', processedAt: new Date(now.getTime() - 15 * day) },
      { consumer: 'retention-test', eventId: 'new', processedAt: new Date(now.getTime() - 13 * day) },
    ]);
    const retention = app.get(RetentionService);
    expect(await retention.runOnce(now)).toEqual({
      verdicts: 1,
      processedEvents: 1,
      markRequests: 0,
      deliveryResults: 0,
    });
    expect(await db.getRepository(ScanRecordEntity).countBy({ reference: old })).toBe(0);
    expect(await db.getRepository(ScanRecordEntity).countBy({ reference: aliceRef })).toBe(1);
    const kept = await db.getRepository(ProcessedEventEntity).findBy({ consumer: 'retention-test' });
    expect(kept.map((e) => e.eventId)).toEqual(['new']);
    expect(await retention.runOnce(now)).toEqual({
      verdicts: 0,
      processedEvents: 0,
      markRequests: 0,
      deliveryResults: 0,
    });
  });
});
