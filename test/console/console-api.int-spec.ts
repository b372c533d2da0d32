import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@spamfilter/config';
import {
  ConsoleSessionEntity,
  ProcessedEventEntity,
  QuarantineRepository,
  ScanRecordRepository,
  UserAccountEntity,
} from '@spamfilter/persistence';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { LEARNER_CONSUMER } from '../../apps/api/src/consumers/learner.service';
import { bearer, createUser, OPERATOR_KEY, type TestUser } from '../api/api-fixtures';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import { scanRecord } from './console-fixtures';
import { fakeImap } from './fake-imap';

/**
 * The console's server side over HTTP against the real PostgreSQL: the page and its headers, sessions opened with a
 * key or a mailbox password (a fake IMAP server on loopback), the cookie in place of the key with its CSRF check,
 * expiry and revocation, and the read-only routes the pages need (dashboard, a domain's users, verdict search, an
 * outbound account's held mail).
 */
describe('console API over HTTP (PostgreSQL)', () => {
  let tdb: TestDatabase;
  let app: INestApplication;
  let db: DataSource;
  let base: string;
  let origin: string;
  let dir: string;
  let imap: Awaited<ReturnType<typeof fakeImap>>;
  let alice: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  const op = bearer(OPERATOR_KEY);
  const PASSWORD = 'correct horse "battery" staple';

  /** The session cookie (name=value) a response set. */
  function cookieOf(res: request.Response): string {
    const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    const c = set.find((s) => /^(__Host-)?sf_session=[^;]+/.test(s));
    if (!c) throw new Error(`no session cookie in ${JSON.stringify(set)}`);
    return c.split(';')[0]!;
  }

  async function signIn(token: string): Promise<string> {
    return cookieOf(await request(base).post('/v1/session').set(bearer(token)).send({}).expect(201));
  }

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'console-dir-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><title>console</title><script type="module" src="/console/assets/app-1a2b.js"></script>',
    );
    writeFileSync(join(dir, 'assets', 'app-1a2b.js'), 'console.log(1)');
    imap = await fakeImap('normal', { 'alice@example.org': PASSWORD, 'ghost@example.org': 'boo' });
    app = await createApiApp(
      loadConfig({
        DB_TYPE: 'postgres',
        DB_URL: tdb.config.url,
        API_BOOTSTRAP_OPERATOR_KEY: OPERATOR_KEY,
        OUTBOX_RELAY_ENABLED: 'false',
        LEARNER_ENABLED: 'false',
        CONSOLE_DIR: dir,
        CONSOLE_IMAP_URL: `imap://127.0.0.1:${imap.target.port}`,
        CONSOLE_SIGNIN_PER_MINUTE: '6',
      }),
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    origin = base;
    db = app.get(DataSource);
    alice = await createUser(app, 'alice@example.org');
    bob = await createUser(app, 'bob@example.org');
    await createUser(app, 'carol@other.example');
    admin = await createUser(app, 'postmaster@example.org', 'domain_admin');
  });

  afterAll(async () => {
    await app?.close();
    await imap?.close();
    await tdb?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page at /console with a strict CSP, its bundles as immutable files, and / redirects there', async () => {
    const root = await request(base).get('/').expect(302);
    expect(root.headers.location).toBe('/console/');
    for (const path of [
      '/console',
      '/console/',
      '/console/operator/dashboard',
      '/console/messages/01JD3Z4Q5R6S7T8V9W0X1Y2Z3A',
    ]) {
      const page = await request(base).get(path).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('/console/assets/app-1a2b.js');
      expect(page.headers['content-security-policy']).toBe(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      );
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['x-powered-by']).toBeUndefined();
    }
    const js = await request(base).get('/console/assets/app-1a2b.js').expect(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.headers['cache-control']).toContain('immutable');
    await request(base).get('/console/assets/gone-9z9z.js').expect(404);
    await request(base).get('/console/%2e%2e/%2e%2e/package.json').expect(404);
    expect((await request(base).get('/console/config.json').expect(200)).body).toEqual({
      mailboxSignIn: true,
    });
  });

  it('exchanges a key once for an HttpOnly, SameSite=Strict session; the row keeps only the token hash', async () => {
    const res = await request(base).post('/v1/session').set(bearer(alice.token)).send({}).expect(201);
    expect(res.body).toMatchObject({
      role: 'user',
      address: 'alice@example.org',
      via: 'key',
      idleMinutes: 60,
      mailboxSignIn: true,
    });
    const set = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0]!;
    expect(set).toMatch(/^sf_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    const token = set.split(';')[0]!.split('=')[1]!;
    expect(token).not.toContain(alice.token.split('_')[2]!.slice(0, 10));
    const rows = await db.getRepository(ConsoleSessionEntity).find();
    expect(rows.some((r) => r.tokenHash === token)).toBe(false);
    expect(JSON.stringify(rows)).not.toContain(token);
    // behind a TLS proxy the cookie is Secure and host-only under the __Host- prefix
    const tls = await request(base)
      .post('/v1/session')
      .set(bearer(alice.token))
      .set('x-forwarded-proto', 'https')
      .send({})
      .expect(201);
    expect(([] as string[]).concat(tls.headers['set-cookie'] ?? [])[0]).toMatch(
      /^__Host-sf_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Secure$/,
    );
  });

  it("takes the cookie in place of the key; changes need the console's own Origin (CSRF)", async () => {
    const cookie = await signIn(alice.token);
    const me = await request(base).get('/v1/session').set('cookie', cookie).expect(200);
    expect(me.body).toMatchObject({ role: 'user', address: 'alice@example.org', via: 'key' });
    await request(base).get('/v1/verdicts').set('cookie', cookie).expect(200);
    const entry = { kind: 'block', matchType: 'address', value: 'pest@spam.example' };
    // no origin at all, another site, a look-alike port: refused before anything happens
    await request(base).post('/v1/lists').set('cookie', cookie).send(entry).expect(403);
    await request(base)
      .post('/v1/lists')
      .set('cookie', cookie)
      .set('origin', 'https://evil.example')
      .send(entry)
      .expect(403);
    await request(base)
      .post('/v1/lists')
      .set('cookie', cookie)
      .set('origin', base.replace(/:\d+$/, ':1'))
      .send(entry)
      .expect(403);
    await request(base)
      .post('/v1/lists')
      .set('cookie', cookie)
      .set('referer', 'https://evil.example/page')
      .send(entry)
      .expect(403);
    const lists = await request(base).get('/v1/lists').set(bearer(alice.token)).expect(200);
    expect(lists.body).toEqual([]);
    // from the console itself
    const created = await request(base)
      .post('/v1/lists')
      .set('cookie', cookie)
      .set('origin', origin)
      .send(entry)
      .expect(201);
    expect(created.body).toMatchObject({
      scope: 'user',
      user: 'alice@example.org',
      value: 'pest@spam.example',
      createdBy: 'alice@example.org',
    });
    // a session cannot open another session; a key is what is exchanged
    await request(base).post('/v1/session').set('cookie', cookie).set('origin', origin).send({}).expect(400);
    // the key keeps working for REST clients, and wins over a cookie
    const asBob = await request(base)
      .get('/v1/session')
      .set('cookie', cookie)
      .set(bearer(bob.token))
      .expect(200);
    expect(asBob.body).toMatchObject({ address: 'bob@example.org', via: 'bearer', expiresAt: null });
    // a mailbox service key (a mail store's Junk hook) may not open a console session at all
    const svc = await request(base)
      .post('/v1/mailbox-keys')
      .set(op)
      .send({ domain: 'example.org' })
      .expect(201);
    await request(base)
      .post('/v1/session')
      .set(bearer(svc.body.token as string))
      .send({})
      .expect(403);
  });

  it('ends on sign-out, on revocation of its key, after the idle time and at its absolute end', async () => {
    const cookie = await signIn(alice.token);
    const out = await request(base)
      .delete('/v1/session')
      .set('cookie', cookie)
      .set('origin', origin)
      .expect(204);
    expect(([] as string[]).concat(out.headers['set-cookie'] ?? []).join('\n')).toMatch(
      /sf_session=; .*Max-Age=0/,
    );
    await request(base).get('/v1/session').set('cookie', cookie).expect(401);

    // revocation: a fresh key for bob, a session with it, the key revoked → the session ends at once
    const key = await request(base)
      .post(`/v1/users/${bob.id}/keys`)
      .set(op)
      .send({ role: 'user' })
      .expect(201);
    const bobCookie = await signIn(key.body.token as string);
    await request(base).get('/v1/verdicts').set('cookie', bobCookie).expect(200);
    await request(base)
      .delete(`/v1/keys/${key.body.id as string}`)
      .set(op)
      .expect(204);
    const revoked = await request(base).get('/v1/verdicts').set('cookie', bobCookie).expect(401);
    expect(revoked.body.message).toMatch(/no longer exists/);

    // idle and absolute ends (the clock is moved in the row, not waited for)
    const sessions = db.getRepository(ConsoleSessionEntity);
    // activity moves the idle end: a session idle for 59 minutes answers and starts a new hour
    const active = await signIn(alice.token);
    const [row] = await sessions.find({ order: { createdAt: 'DESC' }, take: 1 });
    await sessions.update({ tokenHash: row!.tokenHash }, { lastSeenAt: new Date(Date.now() - 59 * 60_000) });
    await request(base).get('/v1/session').set('cookie', active).expect(200);
    const touched = await sessions.findOneByOrFail({ tokenHash: row!.tokenHash });
    expect(Date.now() - touched.lastSeenAt.getTime()).toBeLessThan(60_000);
    const idle = await signIn(alice.token);
    const absolute = await signIn(alice.token);
    const [a, b] = await sessions.find({ order: { createdAt: 'DESC' }, take: 2 });
    await sessions.update({ tokenHash: b!.tokenHash }, { lastSeenAt: new Date(Date.now() - 61 * 60_000) });
    await sessions.update({ tokenHash: a!.tokenHash }, { expiresAt: new Date(Date.now() - 1000) });
    for (const c of [idle, absolute]) {
      const res = await request(base).get('/v1/session').set('cookie', c).expect(401);
      expect(res.body.message).toMatch(/ended/);
    }
    expect(await sessions.countBy({ tokenHash: a!.tokenHash })).toBe(0);
    expect(await sessions.countBy({ tokenHash: b!.tokenHash })).toBe(0);
  });

  it('signs a user in with the mailbox password checked over IMAP, with the rights of that mailbox only', async () => {
    const res = await request(base)
      .post('/v1/session/mailbox')
      .set('origin', origin)
      .send({ address: 'Alice@Example.org', password: PASSWORD })
      .expect(201);
    expect(res.body).toMatchObject({ role: 'user', address: 'alice@example.org', via: 'imap' });
    const cookie = cookieOf(res);
    expect((await request(base).get('/v1/session').set('cookie', cookie).expect(200)).body.via).toBe('imap');
    await request(base).get('/v1/operator/dashboard').set('cookie', cookie).expect(403);
    await request(base).get('/v1/verdicts?user=bob@example.org').set('cookie', cookie).expect(404);
    // wrong password, a mailbox the IMAP server knows but we do not host, nothing at all
    await request(base)
      .post('/v1/session/mailbox')
      .set('origin', origin)
      .send({ address: 'alice@example.org', password: 'nope' })
      .expect(401);
    await request(base)
      .post('/v1/session/mailbox')
      .set('origin', origin)
      .send({ address: 'ghost@example.org', password: 'boo' })
      .expect(401);
    await request(base).post('/v1/session/mailbox').send({}).expect(401);
    await request(base)
      .post('/v1/session/mailbox')
      .set('origin', 'https://evil.example')
      .send({ address: 'alice@example.org', password: PASSWORD })
      .expect(403);
    // the password itself is never stored
    expect(JSON.stringify(await db.getRepository(ConsoleSessionEntity).find())).not.toContain('battery');
    // CONSOLE_SIGNIN_PER_MINUTE (6) tries per client IP and clock minute, then 429. The tries above may have been
    // counted in this minute or the last, so 3 to 6 more get an answer; the run starts with 10 s of the minute left.
    while (60_000 - (Date.now() % 60_000) < 10_000) await new Promise((r) => setTimeout(r, 100));
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push(
        (
          await request(base)
            .post('/v1/session/mailbox')
            .set('origin', origin)
            .send({ address: 'alice@example.org', password: 'x' })
        ).status,
      );
    const answered = statuses.indexOf(429);
    expect(answered).toBeGreaterThanOrEqual(3);
    expect(answered).toBeLessThanOrEqual(6);
    expect(statuses.slice(0, answered).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(answered).every((s) => s === 429)).toBe(true);
    // a refused try costs the IMAP server nothing: only the tries that got an answer reached it
    expect(imap.logins.filter((l) => l === 'alice@example.org').length).toBe(2 + answered);
  });

  it("answers the operators' dashboard from the message log and the marks", async () => {
    const scans = app.get(ScanRecordRepository);
    const now = Date.now();
    const ago = (min: number) => new Date(now - min * 60_000);
    const users = await db.getRepository(UserAccountEntity).findBy({});
    const aliceRow = users.find((u) => u.address === 'alice@example.org')!;
    const rcpt = [{ address: 'alice@example.org', userId: aliceRow.id, domainId: aliceRow.domainId }];
    await scans.insertMany([
      ...[1, 2, 3].map((i) =>
        scanRecord({ at: ago(120 + i), recipients: rcpt, symbols: [{ name: 'BAYES_HAM', score: -3 }] }),
      ),
      ...[1, 2].map((i) =>
        scanRecord({
          at: ago(60 + i),
          action: 'reject',
          clientIp: '203.0.113.9',
          mailFrom: 'spam@bad.example',
          recipients: rcpt,
          symbols: [
            { name: 'BAYES_SPAM', score: 7 },
            { name: 'MARKETING_PHRASE', score: 9 },
          ],
        }),
      ),
      scanRecord({
        at: ago(30),
        action: 'tag',
        recipients: rcpt,
        symbols: [{ name: 'BAYES_SPAM', score: 7 }],
      }),
      ...[1, 2].map((i) =>
        scanRecord({
          at: ago(i),
          direction: 'outbound',
          action: 'hold',
          authUser: 'out@example.org',
          mailFrom: 'out@example.org',
        }),
      ),
      scanRecord({ at: ago(60 * 30), action: 'reject', mailFrom: 'old@bad.example' }), // outside the range
    ]);
    // two marks: one applied by the learner 80 ms later, one still waiting
    const refs = (await request(base).get('/v1/verdicts?limit=10').set(bearer(alice.token)).expect(200)).body
      .items as { reference: string }[];
    const m1 = await request(base)
      .post('/v1/marks')
      .set(bearer(alice.token))
      .send({ reference: refs[0]!.reference, label: 'spam' })
      .expect(201);
    await request(base)
      .post('/v1/marks')
      .set(bearer(alice.token))
      .send({ reference: refs[1]!.reference, label: 'ham' })
      .expect(201);
    const mark = await db.query(`SELECT created_at FROM feedback_mark WHERE event_id = $1`, [
      m1.body.eventId,
    ]);
    await db.getRepository(ProcessedEventEntity).insert({
      consumer: LEARNER_CONSUMER,
      eventId: m1.body.eventId as string,
      processedAt: new Date(new Date(mark[0].created_at as Date).getTime() + 80),
    });

    await request(base).get('/v1/operator/dashboard').set(bearer(alice.token)).expect(403);
    await request(base).get('/v1/operator/dashboard').set(bearer(admin.token)).expect(403);
    const d = (await request(base).get('/v1/operator/dashboard?hours=6').set(op).expect(200)).body;
    expect(d.bucketMinutes).toBe(15);
    expect(d.totals.inbound).toMatchObject({ accept: 3, reject: 2, tag: 1 });
    expect(d.totals.outbound).toMatchObject({ hold: 2, accept: 0 });
    expect(d.series.reduce((n: number, s: { inbound: { reject: number } }) => n + s.inbound.reject, 0)).toBe(
      2,
    );
    expect(d.series.length).toBeGreaterThanOrEqual(24);
    expect(d.topRefusedSenders).toEqual([{ sender: 'spam@bad.example', count: 2 }]);
    expect(d.topRefusedIps).toEqual([{ ip: '203.0.113.9', count: 2 }]);
    expect(d.symbolsSampled).toBe(8);
    expect(d.topSymbols.slice(0, 3)).toEqual([
      { name: 'BAYES_HAM', hits: 3, score: -9 },
      { name: 'BAYES_SPAM', hits: 3, score: 21 },
      { name: 'MARKETING_PHRASE', hits: 2, score: 18 },
    ]);
    expect(d.marks.reduce((n: number, m: { spam: number; ham: number }) => n + m.spam + m.ham, 0)).toBe(2);
    expect(d.learner).toMatchObject({ sampled: 2, pending: 1, lagP50Ms: 80, lagMaxMs: 80 });
    expect(d.nearAutoBlock).toEqual([
      { account: 'out@example.org', recentSpam: 2, threshold: 5, status: 'active' },
    ]);
  });

  it("lists a domain's users to its admins and to operators", async () => {
    const mine = (await request(base).get('/v1/users').set(bearer(admin.token)).expect(200)).body;
    expect(mine.domain).toBe('example.org');
    expect(mine.items.map((u: { address: string }) => u.address)).toEqual([
      'alice@example.org',
      'bob@example.org',
      'postmaster@example.org',
    ]);
    expect(mine.total).toBe(3);
    const found = (await request(base).get('/v1/users?search=ALI').set(bearer(admin.token)).expect(200)).body;
    expect(found.items.map((u: { address: string }) => u.address)).toEqual(['alice@example.org']);
    // LIKE wildcards in the search match themselves
    expect(
      (await request(base).get('/v1/users?search=%25').set(bearer(admin.token)).expect(200)).body.total,
    ).toBe(0);
    await request(base).get('/v1/users?domain=other.example').set(bearer(admin.token)).expect(403);
    await request(base).get('/v1/users').set(bearer(alice.token)).expect(403);
    const other = (await request(base).get('/v1/users?domain=other.example').set(op).expect(200)).body;
    expect(other.items.map((u: { address: string }) => u.address)).toEqual(['carol@other.example']);
    await request(base).get('/v1/users').set(op).expect(404);
  });

  it("searches a user's mail by sender, subject, date and verdict, and names the mark to undo", async () => {
    const scans = app.get(ScanRecordRepository);
    const bobRow = (await db.getRepository(UserAccountEntity).findOneBy({ address: 'bob@example.org' }))!;
    const rcpt = [{ address: 'bob@example.org', userId: bobRow.id, domainId: bobRow.domainId }];
    const day = (iso: string) => new Date(iso);
    await scans.insertMany([
      scanRecord({
        at: day('2026-11-02T10:00:00Z'),
        headerFrom: 'Shop <News@Shop.example>',
        mailFrom: 'bounce@mailer.example',
        subject: 'Invoice 42',
        recipients: rcpt,
      }),
      scanRecord({
        at: day('2026-11-03T10:00:00Z'),
        headerFrom: 'friend@home.example',
        subject: 'Hello 100% real',
        action: 'tag',
        recipients: rcpt,
      }),
      scanRecord({
        at: day('2026-11-04T10:00:00Z'),
        headerFrom: 'friend@home.example',
        subject: 'Lunch?',
        recipients: rcpt,
      }),
    ]);
    const search = async (q: string) =>
      (
        (await request(base).get(`/v1/verdicts?${q}`).set(bearer(bob.token)).expect(200)).body.items as {
          subject: string;
        }[]
      ).map((v) => v.subject);
    expect(await search('subject=invoice')).toEqual(['Invoice 42']);
    expect(await search('sender=shop.example')).toEqual(['Invoice 42']);
    expect(await search('sender=mailer')).toEqual(['Invoice 42']); // the envelope sender counts too
    expect(await search('subject=100%25')).toEqual(['Hello 100% real']);
    expect(await search('subject=_')).toEqual([]);
    expect(await search('sender=friend&from=2026-11-04T00:00:00Z')).toEqual(['Lunch?']);
    expect(await search('to=2026-11-03T00:00:00Z')).toEqual(['Invoice 42']);
    expect(await search('action=tag')).toEqual(['Hello 100% real']);
    // another user's mail is not searched
    expect(
      (
        (await request(base).get('/v1/verdicts?subject=invoice').set(bearer(alice.token)).expect(200)).body
          .items as unknown[]
      ).length,
    ).toBe(0);

    const [invoice] = (
      await request(base).get('/v1/verdicts?subject=invoice').set(bearer(bob.token)).expect(200)
    ).body.items as { reference: string; markId: string | null }[];
    expect(invoice!.markId).toBeNull();
    const mark = await request(base)
      .post('/v1/marks')
      .set(bearer(bob.token))
      .send({ reference: invoice!.reference, label: 'spam' })
      .expect(201);
    const marked = (
      await request(base).get(`/v1/verdicts/${invoice!.reference}`).set(bearer(bob.token)).expect(200)
    ).body[0];
    expect(marked).toMatchObject({ mark: 'spam', markId: mark.body.id });
    await request(base)
      .delete(`/v1/marks/${marked.markId as string}`)
      .set(bearer(bob.token))
      .expect(200);
    expect(
      (await request(base).get(`/v1/verdicts/${invoice!.reference}`).set(bearer(bob.token)).expect(200))
        .body[0],
    ).toMatchObject({ mark: null, markId: null });
  });

  it("lists an outbound account's held mail by its envelope sender, inside each caller's view", async () => {
    const users = db.getRepository(UserAccountEntity);
    const aliceRow = (await users.findOneBy({ address: 'alice@example.org' }))!;
    const bobRow = (await users.findOneBy({ address: 'bob@example.org' }))!;
    const at = new Date();
    const copy = (
      direction: 'inbound' | 'outbound',
      mailFrom: string,
      owner: UserAccountEntity,
      subject: string,
    ) => ({
      reference: `REF-${subject}`,
      direction,
      recipient: direction === 'inbound' ? owner.address : 'someone@elsewhere.example',
      rcptTo: direction === 'inbound' ? null : ['someone@elsewhere.example'],
      userId: owner.id,
      domainId: owner.domainId,
      mailFrom,
      headerFrom: mailFrom,
      subject,
      reason: 'held for review',
      raw: Buffer.from(`Subject: ${subject}\r\n\r\nhi\r\n`),
      createdAt: at,
      expiresAt: new Date(at.getTime() + 86_400_000),
    });
    await new QuarantineRepository(db).addMany([
      copy('outbound', 'Alice@Example.org', aliceRow, 'held-1'), // stored as the envelope gave it
      copy('outbound', 'bob@example.org', bobRow, 'held-2'),
      copy('inbound', 'alice@example.org', bobRow, 'kept-3'),
    ]);
    const subjects = async (auth: Record<string, string>, q: string) =>
      (
        (await request(base).get(`/v1/quarantine?${q}`).set(auth).expect(200)).body.items as {
          subject: string;
        }[]
      )
        .map((i) => i.subject)
        .sort();
    expect(await subjects(op, 'direction=outbound&sender=alice@example.org')).toEqual(['held-1']);
    expect(await subjects(op, 'sender=ALICE@example.org')).toEqual(['held-1', 'kept-3']);
    expect(await subjects(op, 'direction=outbound')).toEqual(['held-1', 'held-2']);
    // the filter narrows a view, it never widens one
    expect(await subjects(bearer(admin.token), 'sender=alice@example.org')).toEqual(['held-1', 'kept-3']);
    expect(await subjects(bearer(bob.token), 'sender=alice@example.org')).toEqual(['kept-3']);
    expect(await subjects(bearer(alice.token), 'sender=bob@example.org')).toEqual([]);
    await request(base).get('/v1/quarantine?sender=').set(op).expect(400);
  });
});
