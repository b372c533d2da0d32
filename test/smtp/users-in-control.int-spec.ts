/**
 * "Users and operators in control", outside in: real Haraka (inbound MX and submission) over SMTP, the real filter
 * and API in this process on the real PostgreSQL, the next-hop sink. What a sender is told, what the user and the
 * operator then see.
 */
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@spamfilter/config';
import { REFERENCE_ID_PATTERN } from '@spamfilter/domain';
import { ListRepository } from '@spamfilter/persistence';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { startSink, type Sink } from '../../haraka/sink';
import { bearer, createUser, OPERATOR_KEY, type TestUser } from '../api/api-fixtures';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import { headerValues, sendOnce, startHaraka, waitFor, type HarakaHandle } from './harness';

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
      throw new Error(`${what}: not within ${ms} ms (last: ${JSON.stringify(v).slice(0, 300)})`);
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
  let bob: TestUser;
  let carol: TestUser;
  const op = bearer(OPERATOR_KEY);

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    sink = await startSink({ store: 'memory' });
    api = await createApiApp(
      loadConfig({
        DB_TYPE: 'postgres',
        DB_URL: tdb.config.url,
        API_BOOTSTRAP_OPERATOR_KEY: OPERATOR_KEY,
        OUTBOX_RELAY_ENABLED: 'false',
        LEARNER_ENABLED: 'false',
        PUBLIC_LOOKUPS_PER_MINUTE: '1000',
      }),
      { logger: false },
    );
    server = api.getHttpServer() as never;
    db = api.get(DataSource);
    bob = await createUser(api, 'bob@example.net');
    carol = await createUser(api, 'carol@example.net');
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
    filter = await createFilterApp(
      { ...loadConfig({ SCAN_LOG_FLUSH_MS: '20' }), database: { ...tdb.config, migrationsRun: false } },
      { connectDatabase: true, defaultMetrics: false },
    );
    const filterUrl = await filter.listen(0, '127.0.0.1');
    mx = await startHaraka({
      kind: 'inbound',
      filterUrl,
      sinkPort: sink.port,
      hostList: ['example.net'],
      spamfilter: { main: { fail_open: 'false', scan_deadline_ms: '5000', check_deadline_ms: '3000' } },
    });
  }, 120_000);

  afterAll(async () => {
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
});
