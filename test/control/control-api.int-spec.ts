import type { ScanVerdict } from '@spamfilter/domain';
import request from 'supertest';
import { bearer, createUser, OPERATOR_KEY, type TestUser } from '../api/api-fixtures';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import {
  postgresKafkaConfig,
  recipientOf,
  scanOn,
  startStack,
  waitFor,
  waitForRecord,
  type Stack,
} from '../propagation/propagation-harness';

/**
 * Users, domain admins and operators in control, against the real PostgreSQL, Kafka and filter (the default wiring
 * of main.ts): every change goes through the API, reaches the filter through the outbox and spamfilter.model.v1, and
 * the next scan follows. Two real tenants check that no scope reaches another tenant's data.
 */
describe('control API: lists, policies, audit, tenants (PostgreSQL + Kafka + the real filter)', () => {
  let tdb: TestDatabase;
  let stack: Stack;
  let server: never;
  const op = bearer(OPERATOR_KEY);
  let tenantA: string;
  let tenantB: string;
  let alice: TestUser;
  let adminA: TestUser;
  let bob: TestUser;
  let adminB: TestUser;
  let dave: TestUser;
  let adminC: TestUser;

  const message = (from: string, subject: string | null, n: number): Buffer =>
    Buffer.from(
      [
        `From: <${from}>`,
        ...(subject === null ? [] : [`Subject: ${subject}`]),
        `Message-ID: <m${n}.${Date.now()}@outside.example>`,
        '',
        `Hello, this is message ${n} about our meeting next week.`,
        '',
      ].join('\r\n'),
    );
  let seq = 0;
  const scan = (
    rcpt: string,
    mailFrom: string,
    subject: string | null = 'hello',
    ip = '192.0.2.44',
  ): Promise<ScanVerdict> =>
    scanOn(stack.filters[0]!, message(mailFrom, subject, ++seq), [rcpt], { ip, mailFrom });
  const names = (v: ScanVerdict, rcpt: string): string[] => recipientOf(v, rcpt).symbols.map((s) => s.name);
  const as = (u: TestUser) => bearer(u.token);

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    stack = await startStack(
      postgresKafkaConfig(tdb.config.url, 'ctl', { LEARNER_SENDER_BLOCK_THRESHOLD: '3' }),
      1,
    );
    server = stack.api.getHttpServer() as never;
    tenantA = (await request(server).post('/v1/tenants').set(op).send({ name: 'Reseller A' }).expect(201))
      .body.id as string;
    tenantB = (await request(server).post('/v1/tenants').set(op).send({ name: 'Reseller B' }).expect(201))
      .body.id as string;
    await request(server)
      .post('/v1/domains')
      .set(op)
      .send({ name: 'a.example', tenantId: tenantA })
      .expect(201);
    await request(server)
      .post('/v1/domains')
      .set(op)
      .send({ name: 'c.example', tenantId: tenantA })
      .expect(201);
    await request(server)
      .post('/v1/domains')
      .set(op)
      .send({ name: 'b.example', tenantId: tenantB })
      .expect(201);
    alice = await createUser(stack.api, 'alice@a.example');
    adminA = await createUser(stack.api, 'admin@a.example', 'domain_admin');
    bob = await createUser(stack.api, 'bob@b.example');
    adminB = await createUser(stack.api, 'admin@b.example', 'domain_admin');
    dave = await createUser(stack.api, 'dave@c.example');
    adminC = await createUser(stack.api, 'admin@c.example', 'domain_admin');
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
    await tdb?.drop();
  });

  it('refuses bad references with a clear 4xx, never a 500', async () => {
    const unknownTenant = '00000000-0000-4000-8000-000000000000';
    const u = await request(server)
      .post('/v1/users')
      .set(op)
      .send({ address: 'x@new.example', tenantId: unknownTenant })
      .expect(404);
    expect(u.body.message).toContain(`no tenant ${unknownTenant}`);
    await request(server)
      .post('/v1/domains')
      .set(op)
      .send({ name: 'd.example', tenantId: unknownTenant })
      .expect(404);
    await request(server)
      .post('/v1/domains')
      .set(op)
      .send({ name: 'a.example', tenantId: tenantB })
      .expect(409);
    await request(server).get('/v1/lists?scope=user&user=nobody@a.example').set(op).expect(404);
    await request(server).get('/v1/policies?scope=domain&domain=nowhere.example').set(op).expect(404);
  });

  it('a user blocks a sender and unblocks it: the next message follows each time (scanned by the real filter)', async () => {
    const before = await scan(alice.address, 'pest@junk.example');
    expect(recipientOf(before, alice.address).action).toBe('accept');

    const added = await request(server)
      .post('/v1/lists')
      .set(as(alice))
      .send({ kind: 'block', matchType: 'address', value: 'Pest@Junk.example', reason: 'keeps writing' })
      .expect(201);
    expect(added.body).toMatchObject({
      scope: 'user',
      user: alice.address,
      kind: 'block',
      value: 'pest@junk.example',
      origin: 'manual',
      createdBy: alice.address,
    });
    const blocked = await waitFor(
      async () =>
        recipientOf(await scan(alice.address, 'pest@junk.example'), alice.address).action === 'reject',
      20_000,
      'the block applies',
    );
    const v = await scan(alice.address, 'pest@junk.example');
    expect(names(v, alice.address)).toContain('USER_BLOCK');
    // her list, as she reads it; the operator sees it too (?scope=user answered 400 before)
    expect(
      (await request(server).get('/v1/lists').set(as(alice)).expect(200)).body.map(
        (e: { id: string }) => e.id,
      ),
    ).toEqual([added.body.id]);
    expect(
      (await request(server).get(`/v1/operator/lists?scope=user&user=${alice.address}`).set(op).expect(200))
        .body,
    ).toHaveLength(1);

    await request(server)
      .delete(`/v1/lists/${added.body.id as string}`)
      .set(as(alice))
      .expect(204);
    const lifted = await waitFor(
      async () =>
        !names(await scan(alice.address, 'pest@junk.example'), alice.address).includes('USER_BLOCK'),
      20_000,
      'the unblock applies',
    );
    process.stdout.write(`control: block reached the filter in ${blocked} ms, unblock in ${lifted} ms\n`);

    // each change once in the audit log, with who, before and after
    const audit = await request(server)
      .get(`/v1/operator/audit-log?subject=list_entry&subjectId=${added.body.id as string}`)
      .set(op)
      .expect(200);
    expect(audit.body.map((a: { action: string }) => a.action)).toEqual(['remove', 'add']);
    expect(audit.body[1]).toMatchObject({
      actor: alice.address,
      actorRole: 'user',
      tenantId: tenantA,
      before: null,
      after: { value: 'pest@junk.example' },
    });
    expect(audit.body[0]).toMatchObject({
      actor: alice.address,
      before: { value: 'pest@junk.example' },
      after: null,
    });
  }, 60_000);

  it('a block learned from three spam marks shows its marks and is lifted when they are undone', async () => {
    const sender = 'promo@mailer.example';
    const marks: string[] = [];
    for (let i = 0; i < 3; i++) {
      const v = await scan(alice.address, sender, `offer ${i}`);
      await waitForRecord(stack.db, v.reference);
      const m = await request(server)
        .post('/v1/marks')
        .set(as(alice))
        .send({ reference: v.reference, label: 'spam' })
        .expect(201);
      marks.push(m.body.id as string);
    }
    type Entry = { id: string; value: string; origin: string; marks: { id: string }[] };
    const learned = async (): Promise<Entry | undefined> =>
      ((await request(server).get('/v1/lists').set(as(alice)).expect(200)).body as Entry[]).find(
        (e) => e.value === sender,
      );
    await waitFor(async () => (await learned()) !== undefined, 20_000, 'the learned block');
    const entry = (await learned())!;
    expect(entry.origin).toBe('learned');
    expect(entry.marks.map((m) => m.id).sort()).toEqual([...marks].sort());
    await waitFor(
      async () => names(await scan(alice.address, sender), alice.address).includes('USER_BLOCK'),
      20_000,
      'the learned block applies',
    );

    // undoing one of the three marks leaves two: below the threshold, the block goes, and the filter follows
    const undone = await request(server).delete(`/v1/marks/${marks[0]!}`).set(as(alice)).expect(200);
    expect(undone.body.status).toBe('undone');
    await waitFor(async () => (await learned()) === undefined, 20_000, 'the learned block lifted');
    await waitFor(
      async () => !names(await scan(alice.address, sender), alice.address).includes('USER_BLOCK'),
      20_000,
      'the filter follows',
    );
  }, 90_000);

  it("a domain admin previews a policy over the domain's log, applies it, and the next verdict changes", async () => {
    // from a client with no history here (the IP's reputation plays no part)
    const withSubject = await scan(
      dave.address,
      'someone@outside.example',
      'lunch on friday',
      '198.51.100.77',
    );
    const withoutSubject = await scan(dave.address, 'someone@outside.example', null, '198.51.100.77');
    await waitForRecord(stack.db, withSubject.reference);
    await waitForRecord(stack.db, withoutSubject.reference);
    const low = recipientOf(withSubject, dave.address);
    const high = recipientOf(withoutSubject, dave.address);
    expect(high.score).toBeGreaterThanOrEqual(2); // MISSING_SUBJECT
    expect(low.score).toBeLessThan(1.5);
    expect([low.action, high.action]).toEqual(['accept', 'accept']);

    const layer = { thresholds: { greylist: null, tag: 1, reject: 1.5 } };
    // refused as a whole, with the reason, before anything is stored
    const bad = await request(server)
      .put('/v1/policies')
      .set(as(adminC))
      .send({ version: 0, layer: { thresholds: { tag: 20 } } })
      .expect(400);
    expect(bad.body.message.join('\n')).toContain('tag (20) must be below reject (15)');
    const preview = await request(server)
      .post('/v1/policies/preview')
      .set(as(adminC))
      .send({ layer, days: 1 })
      .expect(200);
    expect(preview.body).toMatchObject({
      scope: 'domain',
      messages: 2,
      capped: false,
      actual: { accept: 2 },
      current: { accept: 2 },
      proposed: { accept: 1, reject: 1 },
      changed: 1,
    });
    expect(preview.body.examples).toEqual([
      expect.objectContaining({
        reference: withoutSubject.reference,
        recipient: dave.address,
        action: 'accept',
        proposedAction: 'reject',
        proposedScore: high.score,
      }),
    ]);

    const put = await request(server)
      .put('/v1/policies')
      .set(as(adminC))
      .send({ version: 0, layer })
      .expect(200);
    expect(put.body).toMatchObject({
      scope: 'domain',
      domain: 'c.example',
      version: 1,
      effective: { thresholds: { tag: 1, reject: 1.5 } },
    });
    await request(server).put('/v1/policies').set(as(adminC)).send({ version: 0, layer }).expect(409);
    await waitFor(
      async () =>
        recipientOf(await scan(dave.address, 'someone@outside.example', null), dave.address).action ===
        'reject',
      20_000,
      "the domain's policy applies",
    );
    // a user of the domain: a preset within the bounds, and nothing beyond them
    await request(server)
      .put('/v1/policies')
      .set(as(dave))
      .send({ version: 0, layer: { thresholds: { tag: 1000 } } })
      .expect(400);
    const audit = await request(server)
      .get('/v1/operator/audit-log?subject=policy&subjectId=domain%20c.example')
      .set(op)
      .expect(200);
    expect(audit.body).toHaveLength(1);
    expect(audit.body[0]).toMatchObject({
      actor: adminC.address,
      actorRole: 'domain_admin',
      action: 'create',
      before: null,
      after: { version: 1, layer },
    });
  }, 60_000);

  it("every scope's routes refuse another tenant's users, admins and data", async () => {
    const entry = (
      await request(server)
        .post('/v1/lists')
        .set(as(alice))
        .send({ kind: 'allow', matchType: 'domain', value: 'friends.example' })
        .expect(201)
    ).body as { id: string };
    let n = 0;
    const check = async (
      who: TestUser,
      call: (t: ReturnType<typeof bearer>) => request.Test,
      status: number,
    ): Promise<void> => {
      const res = await call(as(who));
      // the case number and caller in the comparison name the failing call
      expect({ case: ++n, who: who.address, status: res.status }).toEqual({
        case: n,
        who: who.address,
        status,
      });
    };
    for (const outsider of [bob, adminB]) {
      await check(
        outsider,
        (t) => request(server).get(`/v1/lists?scope=user&user=${alice.address}`).set(t),
        404,
      );
      await check(
        outsider,
        (t) =>
          request(server).post('/v1/lists').set(t).send({
            scope: 'user',
            user: alice.address,
            kind: 'block',
            matchType: 'address',
            value: 'x@y.example',
          }),
        404,
      );
      await check(outsider, (t) => request(server).delete(`/v1/lists/${entry.id}`).set(t), 404);
      await check(
        outsider,
        (t) => request(server).get(`/v1/policies?scope=user&user=${alice.address}`).set(t),
        404,
      );
      await check(
        outsider,
        (t) =>
          request(server)
            .put(`/v1/policies?scope=user&user=${alice.address}`)
            .set(t)
            .send({ version: 0, sensitivity: 'strict' }),
        404,
      );
      await check(outsider, (t) => request(server).get('/v1/lists?scope=global').set(t), 403);
      await check(outsider, (t) => request(server).get('/v1/operator/audit-log').set(t), 403);
      await check(outsider, (t) => request(server).post('/v1/tenants').set(t).send({ name: 'x' }), 403);
    }
    // the other tenant's domain admin: not their domain, not their users
    await check(adminB, (t) => request(server).get('/v1/lists?scope=domain&domain=a.example').set(t), 404);
    await check(adminB, (t) => request(server).get('/v1/policies?scope=domain&domain=a.example').set(t), 404);
    await check(
      adminB,
      (t) =>
        request(server)
          .post('/v1/policies/preview?scope=domain&domain=a.example')
          .set(t)
          .send({ sensitivity: undefined, layer: {} }),
      404,
    );
    await check(
      adminB,
      (t) => request(server).patch('/v1/domains/a.example').set(t).send({ unknownRecipients: 'reject' }),
      404,
    );
    await check(
      adminB,
      (t) => request(server).post('/v1/users').set(t).send({ address: 'mallory@a.example' }),
      403,
    );
    await check(bob, (t) => request(server).get('/v1/lists?scope=domain&domain=b.example').set(t), 403);
    // their own scopes work
    await check(adminB, (t) => request(server).get('/v1/lists').set(t), 200);
    await check(adminB, (t) => request(server).get(`/v1/lists?scope=user&user=${bob.address}`).set(t), 200);
    await check(
      bob,
      (t) => request(server).put('/v1/policies').set(t).send({ version: 0, sensitivity: 'strict' }),
      200,
    );
    const domains = await request(server).get('/v1/domains').set(as(adminB)).expect(200);
    expect(domains.body.map((d: { name: string }) => d.name)).toEqual(['b.example']);
    // alice's entry is untouched
    expect(
      (await request(server).get('/v1/lists').set(as(alice)).expect(200)).body.map(
        (e: { id: string }) => e.id,
      ),
    ).toContain(entry.id);
    void adminA;
  }, 60_000);

  it('tenants and domains are in the audit log once each', async () => {
    for (const [subject, subjectId, tenant] of [
      ['tenant', tenantA, tenantA],
      ['domain', 'a.example', tenantA],
      ['domain', 'b.example', tenantB],
      ['user', 'alice@a.example', tenantA],
    ] as const) {
      const rows = await request(server)
        .get(`/v1/operator/audit-log?subject=${subject}&subjectId=${encodeURIComponent(subjectId)}`)
        .set(op)
        .expect(200);
      expect(rows.body).toHaveLength(1);
      expect(rows.body[0]).toMatchObject({ action: 'create', tenantId: tenant });
    }
    // append-only: the database refuses to rewrite history
    await expect(stack.db.query(`UPDATE audit_log SET actor = 'someone else'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(stack.db.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
  });
});
