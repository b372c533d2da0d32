import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@spamfilter/config';
import {
  FeedbackMarkEntity,
  MarkRequestEntity,
  OutboxEventEntity,
  TenantEntity,
} from '@spamfilter/persistence';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { RetentionService } from '../../apps/api/src/services/retention.service';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import { bearer, createUser, OPERATOR_KEY, seedScan, type TestUser } from './api-fixtures';

/**
 * The credential of a mail store's Junk hook (dovecot/): a mailbox service key an operator issues for one domain or
 * one tenant. It may only post raw marks, for users in its scope, and a move it resends (Idempotency-Key) counts
 * once. Real PostgreSQL, the API over HTTP; the relay is off (this suite looks at the outbox rows).
 */
describe('mailbox service keys and idempotent raw marks', () => {
  let tdb: TestDatabase;
  let app: INestApplication;
  let db: DataSource;
  let server: never;
  let alice: TestUser;
  let carol: TestUser;
  let serviceKey: string;
  let serviceKeyId: string;

  const raw = (id: string): string =>
    `From: Deals <deals@shop.example>\r\nTo: alice@example.org\r\nSubject: Cheap pills now\r\nMessage-ID: <${id}@shop.example>\r\n\r\nBuy cheap pills today, ${id}\r\n`;

  const postRaw = (token: string, body: string, query: string, key?: string): request.Test => {
    const req = request(server)
      .post(`/v1/marks/raw${query}`)
      .set(bearer(token))
      .set('Content-Type', 'message/rfc822');
    if (key !== undefined) req.set('Idempotency-Key', key);
    return req.send(body);
  };

  const counts = async () => ({
    marks: await db.getRepository(FeedbackMarkEntity).count(),
    outbox: await db.getRepository(OutboxEventEntity).count(),
  });

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    const config = loadConfig({
      DB_TYPE: 'postgres',
      DB_URL: tdb.config.url,
      API_BOOTSTRAP_OPERATOR_KEY: OPERATOR_KEY,
      OUTBOX_RELAY_ENABLED: 'false',
      LEARNER_ENABLED: 'false',
      API_AUTH_CACHE_MS: '0',
    });
    app = await createApiApp(config, { logger: false });
    db = app.get(DataSource);
    server = app.getHttpServer() as never;
    alice = await createUser(app, 'alice@example.org');
    await createUser(app, 'bob@example.org');
    carol = await createUser(app, 'carol@other.example');
    const issued = await request(server)
      .post('/v1/mailbox-keys')
      .set(bearer(OPERATOR_KEY))
      .send({ domain: 'example.org', label: 'dovecot test' })
      .expect(201);
    expect(issued.body).toMatchObject({ role: 'mailbox_service', domain: 'example.org' });
    serviceKey = issued.body.token as string;
    serviceKeyId = issued.body.id as string;
  });

  afterAll(async () => {
    await app?.close();
    await tdb?.drop();
  });

  it('is issued by operators only, for exactly one existing domain or tenant', async () => {
    await request(server)
      .post('/v1/mailbox-keys')
      .set(bearer(alice.token))
      .send({ domain: 'example.org' })
      .expect(403);
    await request(server).post('/v1/mailbox-keys').set(bearer(OPERATOR_KEY)).send({}).expect(400);
    const tenant = await db.getRepository(TenantEntity).findOneByOrFail({});
    await request(server)
      .post('/v1/mailbox-keys')
      .set(bearer(OPERATOR_KEY))
      .send({ domain: 'example.org', tenantId: tenant.id })
      .expect(400);
    await request(server)
      .post('/v1/mailbox-keys')
      .set(bearer(OPERATOR_KEY))
      .send({ domain: 'nowhere.example' })
      .expect(404);
    // A user key cannot be given the service role through the user-key route.
    await request(server)
      .post(`/v1/users/${alice.id}/keys`)
      .set(bearer(OPERATOR_KEY))
      .send({ role: 'mailbox_service' })
      .expect(400);
  });

  it('is refused (403) on every route of the OpenAPI document but POST /v1/marks/raw', async () => {
    const doc = (await request(server).get('/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({ method, path })),
    );
    const ref = await seedScan(db, { recipients: ['alice@example.org'] });
    let checked = 0;
    for (const { method, path } of routes) {
      if (path === '/health' || (path === '/v1/marks/raw' && method === 'post')) continue;
      // Routes marked public (the refusal page) need no key at all; the key must not matter there.
      const url = path.replace(/\{[^}]+\}/g, (p) =>
        p === '{reference}' ? ref : '00000000-0000-4000-8000-000000000000',
      );
      const call = (request(server) as unknown as Record<string, (u: string) => request.Test>)[method](url);
      const res = await call.set(bearer(serviceKey)).send({});
      const unauth = await (request(server) as unknown as Record<string, (u: string) => request.Test>)[
        method
      ](url);
      if (unauth.status !== 401) continue; // public
      if (path === '/v1/session/mailbox') {
        // public too: the console's sign-in takes a mailbox password, not a key; an empty one is 401 with or without a key
        expect(res.status).toBe(401);
        continue;
      }
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('marks for the users of its domain, naming the recipient; no one else', async () => {
    const before = await counts();
    const ok = await postRaw(serviceKey, raw('scope-1'), '?recipient=alice@example.org').expect(201);
    expect(ok.body).toMatchObject({ userId: alice.id, label: 'spam' });
    // Another domain's user, an unknown address, no recipient: refused, nothing written.
    await postRaw(serviceKey, raw('scope-2'), `?recipient=${carol.address}`).expect(404);
    await postRaw(serviceKey, raw('scope-3'), '?recipient=nobody@example.org').expect(404);
    await postRaw(serviceKey, raw('scope-4'), '').expect(400);
    expect(await counts()).toEqual({ marks: before.marks + 1, outbox: before.outbox + 1 });
  });

  it('counts a resent move once (Idempotency-Key), even after a later move changed the mark', async () => {
    const msg = raw('idem-1');
    const before = await counts();
    const first = await postRaw(
      serviceKey,
      msg,
      '?recipient=alice@example.org&label=spam',
      'imap1-0001',
    ).expect(201);
    const again = await postRaw(
      serviceKey,
      msg,
      '?recipient=alice@example.org&label=spam',
      'imap1-0001',
    ).expect(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await counts()).toEqual({ marks: before.marks + 1, outbox: before.outbox + 1 });
    // The user moves it out of Junk: a correction (the spam mark is superseded).
    const ham = await postRaw(serviceKey, msg, '?recipient=alice@example.org&label=ham', 'imap1-0002').expect(
      201,
    );
    expect(ham.body).toMatchObject({ label: 'ham', status: 'accepted' });
    // The first move's answer was lost and it is sent again: it answers with its own (now superseded) mark and
    // trains nothing — without the key it would have marked the message spam again, undoing the user's correction.
    const late = await postRaw(
      serviceKey,
      msg,
      '?recipient=alice@example.org&label=spam',
      'imap1-0001',
    ).expect(201);
    expect(late.body).toMatchObject({ id: first.body.id, label: 'spam', status: 'undone' });
    expect(await counts()).toEqual({ marks: before.marks + 2, outbox: before.outbox + 2 });
    const current = await db
      .getRepository(FeedbackMarkEntity)
      .findBy({ userId: alice.id, messageFingerprint: first.body.messageId as string, kind: 'learn' });
    expect(current.filter((m) => m.undoneAt === null).map((m) => m.label)).toEqual(['ham']);
    // A second move into Junk (a new key) is a new correction, as it should be.
    await postRaw(serviceKey, msg, '?recipient=alice@example.org&label=spam', 'imap1-0003').expect(201);
    expect(await counts()).toEqual({ marks: before.marks + 3, outbox: before.outbox + 3 });
  });

  it('scopes keys to the caller, stores them hashed, refuses malformed ones and forgets them after retention', async () => {
    const msg = raw('idem-2');
    const a = await postRaw(alice.token, msg, '', 'shared-key').expect(201);
    // The same client key from another API key is another request: the ham mark is made, not answered with alice's.
    const b = await postRaw(serviceKey, msg, '?recipient=alice@example.org&label=ham', 'shared-key').expect(
      201,
    );
    expect(b.body).toMatchObject({ label: 'ham', status: 'accepted' });
    expect(b.body.id).not.toBe(a.body.id);
    const keys = (await db.getRepository(MarkRequestEntity).find()).map((r) => r.requestKey);
    expect(keys.every((k) => /^[0-9a-f]{64}$/.test(k))).toBe(true);
    expect(keys).not.toContain('shared-key');
    await postRaw(serviceKey, msg, '?recipient=alice@example.org', 'has space').expect(400);
    await postRaw(serviceKey, msg, '?recipient=alice@example.org', 'x'.repeat(129)).expect(400);
    const retention = app.get(RetentionService);
    const later = new Date(Date.now() + 15 * 86_400_000);
    const run = await retention.runOnce(later);
    expect(run.markRequests).toBe(keys.length);
    expect(await db.getRepository(MarkRequestEntity).count()).toBe(0);
  });

  it('stops working when revoked', async () => {
    await request(server).delete(`/v1/keys/${serviceKeyId}`).set(bearer(OPERATOR_KEY)).expect(204);
    await postRaw(serviceKey, raw('revoked'), '?recipient=alice@example.org').expect(401);
  });
});
