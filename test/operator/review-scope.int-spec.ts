import { generateKeyPairSync } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import { ListEntryEntity, OutboundAuditEntity } from '@spamfilter/persistence';
import { dkimSign } from 'mailauth';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { bearer, createUser, OPERATOR_KEY, type TestUser } from '../api/api-fixtures';
import { ZoneDnsServer } from '../dns/zone-dns-server';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';
import { seedLogged, sym } from './operator-fixtures';

/**
 * Issue "a review request opens an inbound hole": approving, with defaults, the review of an outbound refusal of
 * alice@example.net (a customer) made a global inbound allow for her address, and an outsider forging it delivered
 * phishing with a .scr attachment. Here, against the real PostgreSQL: the API approves reviews, and the real filter
 * (with a loopback DNS server publishing example.net's SPF, DKIM key and DMARC record) scans what the entries allow.
 */
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const DKIM_KEY = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const CUSTOMER_MX = '192.0.2.10'; // in example.net's SPF record
const ESP = '198.51.100.5'; // a mailing service: SPF passes for esp.example only
const OUTSIDER = '203.0.113.66';

function phishing(from: string): string {
  return [
    `From: Alice <${from}>`,
    'To: colleague@example.net',
    'Subject: updated invoice',
    'Date: Mon, 2 Nov 2026 10:00:00 +0000',
    `Message-ID: <${Math.random().toString(36).slice(2)}@x>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please open the attached invoice today.',
    '--b1',
    'Content-Type: application/octet-stream; name="invoice.scr"',
    'Content-Disposition: attachment; filename="invoice.scr"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('MZ not really a program').toString('base64'),
    '--b1--',
    '',
  ].join('\r\n');
}

async function dkimSigned(raw: string, domain: string): Promise<string> {
  const r = await dkimSign(raw, {
    signingDomain: domain,
    selector: 'sel1',
    privateKey: DKIM_KEY,
    signatureData: [{ signingDomain: domain, selector: 'sel1', privateKey: DKIM_KEY }],
  });
  if (!r.signatures.includes('DKIM-Signature'))
    throw new Error(`dkimSign produced no signature: ${r.errors.join('; ')}`);
  return r.signatures + raw;
}

describe('review approvals are scoped (PostgreSQL, the real filter, loopback DNS)', () => {
  let tdb: TestDatabase;
  let api: INestApplication;
  let db: DataSource;
  let server: never;
  let dns: ZoneDnsServer;
  let filter: FilterApp;
  let bob: TestUser;
  const op = bearer(OPERATOR_KEY);

  const scan = async (o: { ip: string; mailFrom: string; rcpt: string; raw: string }): Promise<ScanVerdict> =>
    (
      await request(filter.server)
        .post('/v1/scan')
        .set({
          [SCAN_HEADERS.clientIp]: o.ip,
          [SCAN_HEADERS.helo]: 'mail.sender.example',
          [SCAN_HEADERS.mailFrom]: o.mailFrom,
          [SCAN_HEADERS.rcptTo]: o.rcpt,
          'content-type': 'message/rfc822',
        })
        .send(o.raw)
        .expect(200)
    ).body as ScanVerdict;
  const symbols = (v: ScanVerdict): { name: string; options: readonly string[] }[] => [
    ...v.symbols,
    ...v.recipients.flatMap((r) => r.symbols),
  ];
  const listAllows = (v: ScanVerdict): string[] =>
    symbols(v)
      .map((s) => s.name)
      .filter((n) => /^(USER|DOMAIN|GLOBAL)_ALLOW$/.test(n));

  /** A refused message in the log, a public review request for it, and the request's id. */
  async function reviewRequest(
    seed: Parameters<typeof seedLogged>[1],
  ): Promise<{ id: string; reference: string }> {
    const reference = await seedLogged(db, seed);
    const q = await request(server)
      .post('/v1/public/delist-requests')
      .send({ reference, email: 'someone@sender.example', message: 'please review' })
      .expect(202);
    return { id: q.body.id as string, reference };
  }
  const approve = (id: string, body: Record<string, unknown> = {}) =>
    request(server).post(`/v1/operator/delist-requests/${id}/approve`).set(op).send(body);

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    api = await createApiApp(
      loadConfig({
        DB_TYPE: 'postgres',
        DB_URL: tdb.config.url,
        API_BOOTSTRAP_OPERATOR_KEY: OPERATOR_KEY,
        OUTBOX_RELAY_ENABLED: 'false',
        LEARNER_ENABLED: 'false',
        PUBLIC_LOOKUPS_PER_MINUTE: '100',
        DELIST_ALLOW_DAYS: '30',
      }),
      { logger: false },
    );
    db = api.get(DataSource);
    server = api.getHttpServer() as never;
    bob = await createUser(api, 'bob@example.net');
    for (const a of ['alice@example.net', 'carol@example.net', 'dave@example.net', 'erin@example.net'])
      await createUser(api, a);

    dns = await ZoneDnsServer.start({
      'example.net': { TXT: [`v=spf1 ip4:${CUSTOMER_MX} -all`] },
      '_dmarc.example.net': { TXT: ['v=DMARC1; p=none'] }, // monitoring only, as many customers publish it
      'sel1._domainkey.example.net': {
        TXT: [`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`],
      },
      'esp.example': { TXT: ['v=spf1 ip4:198.51.100.0/24 -all'] },
      'sender.example': { TXT: ['v=spf1 -all'] },
    });
    filter = await createFilterApp(
      {
        ...loadConfig({
          DNS_MODE: 'servers',
          DNS_SERVERS: dns.address,
          DNS_TIMEOUT_MS: '500',
          DNS_CACHE_SECONDS: '0',
          SCAN_CHECK_TIMEOUT_MS: '2000',
          SCAN_DEADLINE_MS: '3000',
        }),
        database: { ...tdb.config, migrationsRun: false },
      },
      { connectDatabase: true },
    );
  });

  afterAll(async () => {
    await filter?.close();
    await dns?.close();
    await api?.close();
    await tdb?.drop();
  });

  it("approving an outbound refusal's review adds no inbound allow: a note on the sending account instead", async () => {
    const r = await reviewRequest({
      direction: 'outbound',
      authUser: 'alice@example.net',
      mailFrom: 'alice@example.net',
      recipients: ['partner@elsewhere.example'],
      action: 'reject',
      score: 16,
      symbols: [sym('BAYES_SPAM', 'bayes', 7), sym('MARKETING_PHRASE', 'content', 1.5)],
    });
    // the old request shape (a global entry) and entry options are refused for an outbound refusal
    await approve(r.id, { scope: 'global' }).expect(400);
    await approve(r.id, { scope: 'user' }).expect(400);
    const approved = await approve(r.id, { note: 'customer cleaned her list' }).expect(201);
    expect(approved.body.request.status).toBe('approved');
    expect(approved.body.allowEntry).toBeNull();
    expect(approved.body.request.allowEntryId).toBeNull();
    expect(approved.body.outboundAccount).toEqual({
      address: 'alice@example.net',
      review: '/v1/operator/outbound/accounts/alice%40example.net',
    });
    expect(await db.getRepository(ListEntryEntity).count()).toBe(0);

    const account = await request(server)
      .get('/v1/operator/outbound/accounts/alice@example.net')
      .set(op)
      .expect(200);
    expect(account.body.audit).toEqual([
      expect.objectContaining({
        action: 'note',
        account: 'alice@example.net',
        reason: `review ${r.id} of refused message ${r.reference} approved: customer cleaned her list`,
      }),
    ]);
    expect(
      await db.getRepository(OutboundAuditEntity).countBy({ account: 'alice@example.net', action: 'note' }),
    ).toBe(1);

    // The phishing, forged with her address from an outsider's server: nothing allows it.
    const v = await scan({
      ip: OUTSIDER,
      mailFrom: 'alice@example.net',
      rcpt: 'dave@example.net',
      raw: phishing('alice@example.net'),
    });
    expect(listAllows(v)).toEqual([]);
    expect(symbols(v).map((s) => s.name)).toEqual(
      expect.arrayContaining(['EXECUTABLE_ATTACHMENT', 'R_SPF_FAIL']),
    );
    expect(v.score).toBeGreaterThanOrEqual(5);
  });

  it("approving an inbound refusal's review allows the sender for the refused recipient only, inbound, until it expires", async () => {
    const r = await reviewRequest({
      direction: 'inbound',
      mailFrom: 'news@shop.example',
      recipients: ['bob@example.net'],
      action: 'reject',
      score: 15.5,
      clientIp: OUTSIDER,
    });
    await approve(r.id, { expiresInDays: 31 }).expect(400); // may shorten DELIST_ALLOW_DAYS, not extend it
    await approve(r.id, { scope: 'global' }).expect(400);
    const before = Date.now();
    const approved = await approve(r.id, { expiresInDays: 7 }).expect(201);
    expect(approved.body.allowEntry).toMatchObject({
      scope: 'user',
      user: 'bob@example.net',
      domain: null,
      kind: 'allow',
      matchType: 'address',
      value: 'news@shop.example',
      direction: 'inbound',
      requires: null,
    });
    const entry = await db
      .getRepository(ListEntryEntity)
      .findOneByOrFail({ id: approved.body.allowEntry.id as string });
    expect(entry).toMatchObject({ scope: 'user', scopeId: bob.id, direction: 'inbound', requires: null });
    const days = (entry.expiresAt!.getTime() - before) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7.001);

    const raw = 'From: <news@shop.example>\r\nSubject: offers\r\n\r\nOur offers this week.\r\n';
    const forBob = await scan({ ip: OUTSIDER, mailFrom: 'news@shop.example', rcpt: 'bob@example.net', raw });
    expect(symbols(forBob).find((s) => s.name === 'USER_ALLOW')?.options).toEqual([
      'allow:address:news@shop.example',
    ]);
    const forCarol = await scan({
      ip: OUTSIDER,
      mailFrom: 'news@shop.example',
      rcpt: 'carol@example.net',
      raw,
    });
    expect(listAllows(forCarol)).toEqual([]);

    // scope "domain": the refused recipient's domain, never a domain the operator names
    const d = await reviewRequest({
      direction: 'inbound',
      mailFrom: 'promo@shop.example',
      recipients: ['carol@example.net'],
      action: 'reject',
      score: 15.5,
    });
    await approve(d.id, { scope: 'domain', domain: 'other.example' }).expect(400);
    const domainApproved = await approve(d.id, { scope: 'domain' }).expect(201);
    expect(domainApproved.body.allowEntry).toMatchObject({
      scope: 'domain',
      domain: 'example.net',
      user: null,
      value: 'promo@shop.example',
      direction: 'inbound',
    });
    expect(await db.getRepository(ListEntryEntity).countBy({ scope: 'global' })).toBe(0);
  });

  it('an allow for a hosted-domain sender applies only with an aligned DMARC or SPF pass for it', async () => {
    const r = await reviewRequest({
      direction: 'inbound',
      mailFrom: 'alice@example.net',
      recipients: ['erin@example.net'],
      action: 'reject',
      score: 15.2,
      clientIp: OUTSIDER,
    });
    const approved = await approve(r.id).expect(201);
    expect(approved.body.allowEntry).toMatchObject({
      scope: 'user',
      user: 'erin@example.net',
      value: 'alice@example.net',
      requires: 'aligned_auth',
    });
    const entry = await db
      .getRepository(ListEntryEntity)
      .findOneByOrFail({ id: approved.body.allowEntry.id as string });
    expect(entry.requires).toBe('aligned_auth');

    // forged from an outsider's server: SPF fails, DMARC fails — shown, not applied
    const forged = await scan({
      ip: OUTSIDER,
      mailFrom: 'alice@example.net',
      rcpt: 'erin@example.net',
      raw: phishing('alice@example.net'),
    });
    expect(listAllows(forged)).toEqual([]);
    expect(symbols(forged).find((s) => s.name === 'LIST_ALLOW_UNVERIFIED')?.options).toEqual([
      'allow:address:alice@example.net',
      'USER_ALLOW',
      'spf:example.net',
      'dmarc:example.net',
    ]);
    expect(forged.score).toBeGreaterThanOrEqual(5);

    // her address in From only, sent through a service whose SPF passes for itself: not aligned, not applied
    const headerOnly = await scan({
      ip: ESP,
      mailFrom: 'bounce@esp.example',
      rcpt: 'erin@example.net',
      raw: phishing('alice@example.net'),
    });
    expect(symbols(headerOnly).map((s) => s.name)).toEqual(
      expect.arrayContaining(['R_SPF_ALLOW', 'LIST_ALLOW_UNVERIFIED']),
    );
    expect(listAllows(headerOnly)).toEqual([]);

    // from her own domain's server: SPF passes for example.net
    const viaSpf = await scan({
      ip: CUSTOMER_MX,
      mailFrom: 'alice@example.net',
      rcpt: 'erin@example.net',
      raw: phishing('alice@example.net'),
    });
    expect(symbols(viaSpf).find((s) => s.name === 'USER_ALLOW')?.options).toEqual([
      'allow:address:alice@example.net',
      'spf:example.net',
    ]);
    expect(viaSpf.score).toBeLessThan(0);

    // through the mailing service, DKIM-signed by example.net: DMARC passes (aligned DKIM)
    const viaDmarc = await scan({
      ip: ESP,
      mailFrom: 'bounce@esp.example',
      rcpt: 'erin@example.net',
      raw: await dkimSigned(phishing('alice@example.net'), 'example.net'),
    });
    expect(symbols(viaDmarc).map((s) => s.name)).toContain('DMARC_POLICY_ALLOW');
    expect(symbols(viaDmarc).find((s) => s.name === 'USER_ALLOW')?.options).toEqual([
      'allow:address:alice@example.net',
      'dmarc:example.net',
    ]);
    expect(viaDmarc.score).toBeLessThan(0);
  });
});
