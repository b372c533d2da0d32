import type { DatabaseConfig } from '@spamfilter/config';
import {
  ApiKeyRepository,
  DatabaseHealth,
  hashApiKeySecret,
  ListRepository,
  openDataSource,
  OutboxEventEntity,
  OutboxRepository,
  PolicyRepository,
  ProcessedEventRepository,
  ReputationEntity,
  ReputationRepository,
  decayedReputation,
  ScanRecordRepository,
  Transactions,
  UserRepository,
  type DomainEntity,
  type TenantEntity,
  type UserAccountEntity,
} from '@spamfilter/persistence';
import { In, type DataSource } from 'typeorm';
import { recipientVerdict, scanRecord } from './scan-fixtures';
import { createPostgresTestDatabase, sqliteMemoryConfig } from './test-databases';

interface Engine {
  readonly name: string;
  open(): Promise<{ config: DatabaseConfig; drop(): Promise<void> }>;
}

const engines: Engine[] = [
  { name: 'PostgreSQL', open: () => createPostgresTestDatabase() },
  { name: 'SQLite', open: async () => ({ config: sqliteMemoryConfig(), drop: async () => undefined }) },
];

const T0 = new Date('2026-11-01T10:00:00.000Z');
const minutes = (n: number): Date => new Date(T0.getTime() + n * 60_000);

describe.each(engines)('repositories on $name', (engine) => {
  let drop: () => Promise<void>;
  let ds: DataSource;
  let users: UserRepository;
  let scans: ScanRecordRepository;
  let tenant: TenantEntity;
  let domainA: DomainEntity;
  let domainB: DomainEntity;
  let alice: UserAccountEntity;
  let bob: UserAccountEntity;
  let carol: UserAccountEntity;

  beforeAll(async () => {
    const db = await engine.open();
    drop = db.drop;
    ds = await openDataSource(db.config);
    users = new UserRepository(ds);
    scans = new ScanRecordRepository(ds);
    tenant = await users.createTenant('Hoster One');
    domainA = await users.createDomain(tenant.id, 'Alpha.example');
    domainB = await users.createDomain(tenant.id, 'beta.example');
    alice = await users.createUser({
      domainId: domainA.id,
      address: 'Alice@alpha.example',
      displayName: 'Alice',
    });
    bob = await users.createUser({ domainId: domainA.id, address: 'bob@alpha.example' });
    carol = await users.createUser({ domainId: domainB.id, address: 'carol@beta.example' });
  });
  afterAll(async () => {
    await ds?.destroy();
    await drop?.();
  });

  describe('users', () => {
    it('stores addresses and domain names lower-case and resolves recipients in one call', async () => {
      expect(alice.address).toBe('alice@alpha.example');
      expect((await users.findByAddress('ALICE@alpha.example'))?.id).toBe(alice.id);
      const owners = await users.resolveRecipients([
        'alice@alpha.example',
        'nobody@alpha.example',
        'x@unknown.example',
      ]);
      expect(owners.get('alice@alpha.example')).toEqual({
        address: 'alice@alpha.example',
        userId: alice.id,
        domainId: domainA.id,
        tenantId: tenant.id,
        unknownRecipients: null,
      });
      expect(owners.get('nobody@alpha.example')).toEqual({
        address: 'nobody@alpha.example',
        userId: null,
        domainId: domainA.id,
        tenantId: tenant.id,
        unknownRecipients: null,
      });
      expect(owners.has('x@unknown.example')).toBe(false);
    });

    it('refuses a user whose address is outside the domain, and a duplicate address', async () => {
      await expect(users.createUser({ domainId: domainA.id, address: 'eve@beta.example' })).rejects.toThrow(
        /not in domain alpha.example/,
      );
      await expect(
        users.createUser({ domainId: domainA.id, address: 'alice@alpha.example' }),
      ).rejects.toThrow();
    });
  });

  describe('scan records', () => {
    it('round-trips a record with its recipients (dates, floats, JSON, unicode)', async () => {
      const input = scanRecord({
        createdAt: minutes(0),
        score: 7.125,
        action: 'tag',
        recipients: [
          recipientVerdict('alice@alpha.example', { userId: alice.id, domainId: domainA.id }, 'tag', 7.125),
          recipientVerdict('bob@alpha.example', { userId: bob.id, domainId: domainA.id }, 'accept', 0.25),
        ],
      });
      await scans.insert(input);
      const found = await scans.findByReference({ kind: 'operator' }, input.reference);
      expect(found).not.toBeNull();
      const { recipients, ...expected } = input;
      expect(found!.record).toEqual(expected);
      expect(found!.record.createdAt).toBeInstanceOf(Date);
      expect(found!.record.createdAt.toISOString()).toBe('2026-11-01T10:00:00.000Z');
      expect(found!.recipients.map((r) => ({ ...r }))).toEqual(
        recipients.map((r) => ({ ...r, reference: input.reference, createdAt: input.createdAt })),
      );
    });

    it('rolls back the record when a recipient row fails (one transaction)', async () => {
      const input = scanRecord({
        createdAt: minutes(1),
        recipients: [recipientVerdict('dup@alpha.example', {}), recipientVerdict('dup@alpha.example', {})],
      });
      await expect(scans.insert(input)).rejects.toThrow();
      expect(await scans.findByReference({ kind: 'operator' }, input.reference)).toBeNull();
    });

    it('inserts a large batch in one call (several multi-row statements)', async () => {
      const batch = Array.from({ length: 1100 }, (_, i) =>
        scanRecord({
          createdAt: new Date(minutes(-1000).getTime() + i),
          mailFrom: 'bulk@batch.example',
          recipients: [
            recipientVerdict(`r${i}@gamma.example`, {}),
            recipientVerdict('carol@beta.example', { userId: carol.id, domainId: domainB.id }),
          ],
        }),
      );
      await scans.insertMany(batch);
      const page = await scans.search({ kind: 'operator' }, { sender: 'bulk@batch.example' }, { limit: 500 });
      expect(page.items).toHaveLength(500);
      expect(page.hasMore).toBe(true);
      expect(page.items.every((i) => i.recipients.length === 2)).toBe(true);
      // Newest first.
      expect(page.items[0].record.reference).toBe(batch[1099].reference);
      const [counts] = (await ds.query(
        `SELECT (SELECT COUNT(*) FROM scan_record WHERE mail_from = 'bulk@batch.example') AS records,
                (SELECT COUNT(*) FROM scan_recipient WHERE recipient LIKE 'r%@gamma.example') AS recipients`,
      )) as { records: number | string; recipients: number | string }[];
      expect([Number(counts.records), Number(counts.recipients)]).toEqual([1100, 1100]);
    });
  });

  describe('message log search and tenancy', () => {
    let toAlice: string;
    let toBob: string;
    let toBoth: string;
    let outboundFromCarol: string;

    beforeAll(async () => {
      const a = scanRecord({
        createdAt: minutes(10),
        mailFrom: 'spammer@bad.example',
        clientIp: '203.0.113.5',
        action: 'reject',
        score: 16,
        recipients: [
          recipientVerdict('alice@alpha.example', { userId: alice.id, domainId: domainA.id }, 'reject', 16),
        ],
      });
      const b = scanRecord({
        createdAt: minutes(20),
        mailFrom: 'friend@good.example',
        recipients: [
          recipientVerdict('bob@alpha.example', { userId: bob.id, domainId: domainA.id }, 'accept', 0.5),
        ],
      });
      const both = scanRecord({
        createdAt: minutes(30),
        mailFrom: 'news@list.example',
        action: 'tag',
        score: 6.5,
        recipients: [
          recipientVerdict('alice@alpha.example', { userId: alice.id, domainId: domainA.id }, 'tag', 6.5),
          recipientVerdict('carol@beta.example', { userId: carol.id, domainId: domainB.id }, 'accept', 2),
        ],
      });
      const out = scanRecord({
        createdAt: minutes(40),
        direction: 'outbound',
        authUser: 'carol@beta.example',
        mailFrom: 'carol@beta.example',
        recipients: [recipientVerdict('someone@elsewhere.example', {}, 'accept', 0)],
      });
      await scans.insertMany([a, b, both, out]);
      [toAlice, toBob, toBoth, outboundFromCarol] = [a.reference, b.reference, both.reference, out.reference];
    });

    const window = { from: minutes(5), to: minutes(60) };
    const refs = (page: { items: readonly { record: { reference: string } }[] }): string[] =>
      page.items.map((i) => i.record.reference);

    it('filters by sender, recipient, client IP, time range, action and direction', async () => {
      const op = { kind: 'operator' } as const;
      expect(refs(await scans.search(op, { ...window }, { limit: 50 }))).toEqual([
        outboundFromCarol,
        toBoth,
        toBob,
        toAlice,
      ]);
      expect(
        refs(await scans.search(op, { ...window, sender: 'spammer@bad.example' }, { limit: 50 })),
      ).toEqual([toAlice]);
      expect(
        refs(await scans.search(op, { ...window, recipient: 'Carol@beta.example' }, { limit: 50 })),
      ).toEqual([toBoth]);
      expect(refs(await scans.search(op, { ...window, clientIp: '203.0.113.5' }, { limit: 50 }))).toEqual([
        toAlice,
      ]);
      expect(refs(await scans.search(op, { from: minutes(15), to: minutes(30) }, { limit: 50 }))).toEqual([
        toBob,
      ]);
      expect(refs(await scans.search(op, { ...window, action: 'reject' }, { limit: 50 }))).toEqual([toAlice]);
      expect(refs(await scans.search(op, { ...window, direction: 'outbound' }, { limit: 50 }))).toEqual([
        outboundFromCarol,
      ]);
    });

    it('pages newest first with hasMore', async () => {
      const first = await scans.search({ kind: 'operator' }, window, { limit: 3 });
      expect(refs(first)).toEqual([outboundFromCarol, toBoth, toBob]);
      expect(first.hasMore).toBe(true);
      const second = await scans.search({ kind: 'operator' }, window, { limit: 3, offset: 3 });
      expect(refs(second)).toEqual([toAlice]);
      expect(second.hasMore).toBe(false);
    });

    it('a user sees only scans addressed to them, and only their own verdict', async () => {
      const aliceReader = { kind: 'user', userId: alice.id } as const;
      expect(refs(await scans.search(aliceReader, window, { limit: 50 }))).toEqual([toBoth, toAlice]);
      expect(await scans.findByReference(aliceReader, toBob)).toBeNull();
      expect(
        refs(await scans.search(aliceReader, { ...window, sender: 'spammer@bad.example' }, { limit: 50 })),
      ).toEqual([toAlice]);
      expect(
        refs(await scans.search(aliceReader, { ...window, clientIp: '203.0.113.5' }, { limit: 50 })),
      ).toEqual([toAlice]);
      expect(
        refs(await scans.search(aliceReader, { ...window, direction: 'outbound' }, { limit: 50 })),
      ).toEqual([]);
      expect(
        refs(await scans.search(aliceReader, { from: minutes(15), to: minutes(60) }, { limit: 50 })),
      ).toEqual([toBoth]);
      const firstPage = await scans.search(aliceReader, window, { limit: 1 });
      expect([refs(firstPage), firstPage.hasMore]).toEqual([[toBoth], true]);
      const secondPage = await scans.search(aliceReader, window, { limit: 1, offset: 1 });
      expect([refs(secondPage), secondPage.hasMore]).toEqual([[toAlice], false]);
      expect(secondPage.items[0].record.createdAt).toEqual(minutes(10));
      expect(secondPage.items[0].record.symbols).toEqual([expect.objectContaining({ name: 'SPF_PASS' })]);
      const shared = await scans.findByReference(aliceReader, toBoth);
      expect(shared?.recipients.map((r) => r.recipient)).toEqual(['alice@alpha.example']);
      // A filter cannot widen the scope: naming another user's address finds nothing.
      expect(
        refs(await scans.search(aliceReader, { ...window, recipient: 'bob@alpha.example' }, { limit: 50 })),
      ).toEqual([]);
      // The action filter applies to the reader's own verdict (alice: tag on the shared scan; carol: accept).
      expect(refs(await scans.search(aliceReader, { ...window, action: 'tag' }, { limit: 50 }))).toEqual([
        toBoth,
      ]);
      expect(
        refs(
          await scans.search({ kind: 'user', userId: carol.id }, { ...window, action: 'tag' }, { limit: 50 }),
        ),
      ).toEqual([]);
    });

    it('a domain admin sees scans with a recipient in their domain, and only those recipients', async () => {
      const betaAdmin = { kind: 'domain', domainId: domainB.id } as const;
      const page = await scans.search(betaAdmin, window, { limit: 50 });
      expect(refs(page)).toEqual([toBoth]);
      expect(page.items[0].recipients.map((r) => r.recipient)).toEqual(['carol@beta.example']);
      expect(await scans.findByReference(betaAdmin, toAlice)).toBeNull();
    });

    it("lists a user's recent verdicts, newest first, never another user's", async () => {
      const recent = await scans.recentForUser(alice.id, 10);
      expect(recent.map((v) => v.reference)).toEqual([toBoth, toAlice, expect.any(String)]);
      expect(recent.every((v) => v.recipient === 'alice@alpha.example')).toBe(true);
      expect(recent[0]).toEqual({
        reference: toBoth,
        createdAt: minutes(30),
        mailFrom: 'news@list.example',
        headerFrom: 'Sender <sender@example.net>',
        subject: 'Quarterly report ☃',
        recipient: 'alice@alpha.example',
        action: 'tag',
        score: 6.5,
        reason: 'tag at 6.5',
      });
      expect((await scans.recentForUser(bob.id, 10)).map((v) => v.reference)).not.toContain(toAlice);
    });
  });

  describe('outbox', () => {
    let outbox: OutboxRepository;
    let tx: Transactions;
    beforeAll(() => {
      outbox = new OutboxRepository(ds);
      tx = new Transactions(ds);
    });

    it("adds within the caller's transaction: a rollback loses the event, a commit keeps it", async () => {
      await expect(
        tx.run(async (m) => {
          await outbox.add(
            m,
            { topic: 'spamfilter.feedback.v1', key: alice.id, payload: { n: 0 } },
            minutes(0),
          );
          throw new Error('mark refused');
        }),
      ).rejects.toThrow('mark refused');
      expect(await outbox.pendingCount()).toBe(0);
      const ids = await tx.run(async (m) => [
        await outbox.add(
          m,
          { topic: 'spamfilter.feedback.v1', key: alice.id, payload: { n: 1 } },
          minutes(0),
        ),
        await outbox.add(
          m,
          { topic: 'spamfilter.feedback.v1', key: bob.id, payload: { n: 2, nested: { ok: true } } },
          minutes(0),
        ),
        await outbox.add(m, { topic: 'spamfilter.model.v1', key: null, payload: { n: 3 } }, minutes(0)),
      ]);
      expect(ids[0]).toBeLessThan(ids[1]);
      expect(await outbox.pendingCount()).toBe(3);
    });

    it('purges only published events older than the retention', async () => {
      const [old, recent, waiting] = await tx.run(async (m) => [
        await outbox.add(m, { topic: 'f', key: 'user-1', payload: { n: 'old' } }, minutes(300)),
        await outbox.add(m, { topic: 'f', key: 'user-1', payload: { n: 'recent' } }, minutes(300)),
        await outbox.add(m, { topic: 'f', key: 'user-2', payload: { n: 'waiting' } }, minutes(300)),
      ]);
      const repo = ds.getRepository(OutboxEventEntity);
      await repo.update({ id: old }, { publishedAt: minutes(301) });
      await repo.update({ id: recent }, { publishedAt: minutes(310) });
      const pendingBefore = await outbox.pendingCount();
      expect(await outbox.purgePublished(minutes(305))).toBe(1);
      const left = (await repo.findBy({ id: In([old, recent, waiting]) }))
        .map((e) => e.id)
        .sort((x, y) => x - y);
      expect(left).toEqual([recent, waiting]);
      expect(await outbox.pendingCount()).toBe(pendingBefore);
      expect(await outbox.purgePublished(minutes(305))).toBe(0);
    });
  });

  describe('processed events (idempotent consumers)', () => {
    let processed: ProcessedEventRepository;
    const spamOf = async (key: string): Promise<number> =>
      (await ds.getRepository(ReputationEntity).findOneBy({ key }))?.spam ?? -1;
    beforeAll(async () => {
      processed = new ProcessedEventRepository(ds);
      await ds.getRepository(ReputationEntity).insert([
        { key: 'ip:198.51.100.1', spam: 0, ham: 0, updatedAt: T0 },
        { key: 'ip:198.51.100.2', spam: 0, ham: 0, updatedAt: T0 },
      ]);
    });
    const bump = (key: string) => async (m: import('typeorm').EntityManager) => {
      await m.getRepository(ReputationEntity).increment({ key }, 'spam', 1);
      return key;
    };

    it('runs a handler once under 10 concurrent deliveries of the same event', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          processed.runOnceInTransaction('learner', 'evt-1', bump('ip:198.51.100.1')),
        ),
      );
      expect(results.filter((r) => r.ran)).toHaveLength(1);
      expect(await spamOf('ip:198.51.100.1')).toBe(1);
      expect(await processed.wasProcessed('learner', 'evt-1')).toBe(true);
      // Another consumer group handles the same event independently.
      expect((await processed.runOnceInTransaction('stats', 'evt-1', bump('ip:198.51.100.1'))).ran).toBe(
        true,
      );
      expect(await spamOf('ip:198.51.100.1')).toBe(2);
    });

    it('a failed handler leaves no mark, so the redelivery runs', async () => {
      await expect(
        processed.runOnceInTransaction('learner', 'evt-2', async (m) => {
          await bump('ip:198.51.100.2')(m);
          throw new Error('model store unavailable');
        }),
      ).rejects.toThrow('model store unavailable');
      expect(await spamOf('ip:198.51.100.2')).toBe(0);
      expect(await processed.wasProcessed('learner', 'evt-2')).toBe(false);
      expect((await processed.runOnceInTransaction('learner', 'evt-2', bump('ip:198.51.100.2'))).ran).toBe(
        true,
      );
      expect(await spamOf('ip:198.51.100.2')).toBe(1);
    });

    it('refuses a manager that is not in a transaction', async () => {
      await expect(
        processed.runOnce('learner', 'evt-3', ds.manager, bump('ip:198.51.100.2')),
      ).rejects.toThrow(/open transaction/);
    });
  });

  describe('reputation', () => {
    const HOUR = 3_600_000;
    it('decays stored evidence by its half-life and adds the new evidence, merging duplicate keys', async () => {
      const rep = new ReputationRepository(ds);
      await rep.applyDeltas([{ key: 'ip:192.0.2.77', spam: 1, ham: 0 }], HOUR, minutes(0));
      const after = await rep.applyDeltas(
        [
          { key: 'ip:192.0.2.77', spam: 1, ham: 0.5 },
          { key: 'ip:192.0.2.77', spam: 0, ham: 0.5 },
          { key: 'net:192.0.2.0/24', spam: 2, ham: 0 },
        ],
        HOUR,
        minutes(60),
      );
      expect(after.find((r) => r.key === 'ip:192.0.2.77')).toEqual({
        key: 'ip:192.0.2.77',
        spam: 1.5,
        ham: 1,
        updatedAt: minutes(60),
      });
      const stored = await rep.get(['ip:192.0.2.77', 'net:192.0.2.0/24', 'domain:none.example']);
      expect(stored.get('ip:192.0.2.77')).toMatchObject({ spam: 1.5, ham: 1 });
      expect(stored.get('ip:192.0.2.77')?.updatedAt).toEqual(minutes(60));
      expect(decayedReputation(stored.get('net:192.0.2.0/24')!, minutes(180), HOUR)).toEqual({
        key: 'net:192.0.2.0/24',
        spam: 0.5,
        ham: 0,
      });
      expect(stored.has('domain:none.example')).toBe(false);
    });

    it('loses no update when batches on the same new keys run concurrently (in either key order)', async () => {
      const rep = new ReputationRepository(ds);
      const keys = ['ip:198.51.100.200', 'net:198.51.100.0/24', 'domain:race.example'];
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          rep.applyDeltas(
            (i % 2 ? [...keys].reverse() : keys).map((key) => ({ key, spam: 1, ham: 0 })),
            1e12,
            minutes(0),
          ),
        ),
      );
      const stored = await rep.get(keys);
      expect(keys.map((k) => stored.get(k)?.spam)).toEqual([8, 8, 8]);
    });
  });

  describe('api keys', () => {
    it('stores only the hash, finds active keys by prefix, throttles last-used writes, revokes within the tenant', async () => {
      const keys = new ApiKeyRepository(ds);
      const key = await keys.create({
        tenantId: tenant.id,
        role: 'user',
        keyPrefix: 'abcd1234',
        secret: 's3cret-s3cret-s3cret-s3cret',
        userId: alice.id,
        label: 'webmail',
      });
      const found = await keys.findActiveByPrefix('abcd1234');
      expect(found?.secretHash).toBe(hashApiKeySecret('s3cret-s3cret-s3cret-s3cret'));
      expect(found?.secretHash).not.toContain('s3cret');
      expect(found?.userId).toBe(alice.id);
      expect(await keys.touchLastUsed(key.id, minutes(0))).toBe(true);
      expect(await keys.touchLastUsed(key.id, minutes(0.5))).toBe(false);
      expect(await keys.touchLastUsed(key.id, minutes(2))).toBe(true);
      expect((await keys.findActiveByPrefix('abcd1234'))?.lastUsedAt).toEqual(minutes(2));
      const other = await users.createTenant('Hoster Two');
      expect(await keys.revoke(other.id, key.id)).toBe(false);
      expect(await keys.findActiveByPrefix('abcd1234')).not.toBeNull();
      expect(await keys.revoke(tenant.id, key.id)).toBe(true);
      expect(await keys.findActiveByPrefix('abcd1234')).toBeNull();
    });
  });

  describe('policies', () => {
    it('returns the global, domain and user layers for a user in one call', async () => {
      const policies = new PolicyRepository(ds);
      expect(await policies.layersForUser(alice.id)).toEqual({ global: null, domain: null, user: null });
      expect(
        (await policies.upsert({ scope: 'global' }, { thresholds: { reject: 15 } }, 0, 'op@hoster')).ok,
      ).toBe(true);
      expect(
        (
          await policies.upsert(
            { scope: 'domain', domainId: domainA.id },
            { thresholds: { tag: 5 } },
            0,
            'admin@alpha.example',
          )
        ).ok,
      ).toBe(true);
      expect(
        (
          await policies.upsert(
            { scope: 'user', userId: alice.id },
            { thresholds: { tag: 4 } },
            0,
            'alice@alpha.example',
          )
        ).ok,
      ).toBe(true);
      expect(
        (
          await policies.upsert(
            { scope: 'user', userId: carol.id },
            { thresholds: { tag: 9 } },
            0,
            'carol@beta.example',
          )
        ).ok,
      ).toBe(true);
      const layers = await policies.layersForUser(alice.id);
      expect(layers.global?.document).toEqual({ thresholds: { reject: 15 } });
      expect(layers.domain?.document).toEqual({ thresholds: { tag: 5 } });
      expect(layers.user?.document).toEqual({ thresholds: { tag: 4 } });
      const bobs = await policies.layersForUser(bob.id);
      expect(bobs.user).toBeNull();
      expect(bobs.domain?.scopeId).toBe(domainA.id);
    });

    it('upserts with a version check: stale writers are refused and told the current version', async () => {
      const policies = new PolicyRepository(ds);
      const owner = { scope: 'user', userId: bob.id } as const;
      const created = await policies.upsert(owner, { v: 1 }, 0, 'bob@alpha.example');
      expect(created).toMatchObject({ ok: true, policy: { version: 1 } });
      expect(await policies.upsert(owner, { v: 'again' }, 0, 'bob@alpha.example')).toEqual({
        ok: false,
        currentVersion: 1,
      });
      expect(await policies.upsert(owner, { v: 2 }, 1, 'bob@alpha.example')).toMatchObject({
        ok: true,
        policy: { version: 2 },
      });
      expect(await policies.upsert(owner, { v: 'stale' }, 1, 'bob@alpha.example')).toEqual({
        ok: false,
        currentVersion: 2,
      });
      expect((await policies.get(owner))?.document).toEqual({ v: 2 });
    });
  });

  describe('lists', () => {
    it("returns global, domain and user entries for a scan's recipients in one query", async () => {
      const lists = new ListRepository(ds);
      const globalBlock = await lists.add(
        { scope: 'global' },
        { kind: 'block', matchType: 'ip', value: '203.0.113.5', direction: 'inbound', createdBy: 'op' },
      );
      const alphaAllow = await lists.add(
        { scope: 'domain', domainId: domainA.id },
        {
          kind: 'allow',
          matchType: 'domain',
          value: 'Partner.example',
          direction: 'both',
          createdBy: 'admin',
        },
      );
      const aliceBlock = await lists.add(
        { scope: 'user', userId: alice.id },
        {
          kind: 'block',
          matchType: 'address',
          value: 'ex@old.example',
          direction: 'inbound',
          createdBy: 'alice',
        },
      );
      await lists.add(
        { scope: 'user', userId: alice.id },
        {
          kind: 'allow',
          matchType: 'address',
          value: 'expired@old.example',
          direction: 'inbound',
          createdBy: 'alice',
          expiresAt: minutes(-1),
        },
      );
      await lists.add(
        { scope: 'user', userId: alice.id },
        {
          kind: 'block',
          matchType: 'address',
          value: 'out@only.example',
          direction: 'outbound',
          createdBy: 'alice',
        },
      );
      await lists.add(
        { scope: 'user', userId: carol.id },
        {
          kind: 'block',
          matchType: 'address',
          value: 'carols@enemy.example',
          direction: 'inbound',
          createdBy: 'carol',
        },
      );

      const result = await lists.entriesForScan(
        ['Alice@alpha.example', 'bob@alpha.example', 'stranger@nowhere.example'],
        'inbound',
        minutes(0),
      );
      expect(result.global.map((e) => e.id)).toEqual([globalBlock.id]);
      expect(result.global[0]).toEqual(globalBlock); // hydrated from raw SQL: dates, nulls and all
      expect(
        result.byRecipient
          .get('alice@alpha.example')
          ?.map((e) => e.id)
          .sort(),
      ).toEqual([alphaAllow.id, aliceBlock.id].sort());
      expect(result.byRecipient.get('bob@alpha.example')?.map((e) => e.id)).toEqual([alphaAllow.id]);
      expect(result.byRecipient.has('stranger@nowhere.example')).toBe(false);
      expect(result.byRecipient.get('alice@alpha.example')?.find((e) => e.id === alphaAllow.id)?.value).toBe(
        'partner.example',
      );

      // Removal is scoped: bob cannot remove alice's entry.
      expect(await lists.remove({ scope: 'user', userId: bob.id }, aliceBlock.id)).toBe(false);
      expect(await lists.remove({ scope: 'user', userId: alice.id }, aliceBlock.id)).toBe(true);
      expect((await lists.list({ scope: 'user', userId: alice.id })).map((e) => e.value).sort()).toEqual([
        'expired@old.example',
        'out@only.example',
      ]);
    });
  });

  describe('health', () => {
    it('reports up with a latency from a real round trip, and down once closed', async () => {
      const report = await new DatabaseHealth(ds).health();
      expect(report).toEqual({ status: 'up', detail: ds.options.type, latencyMs: expect.any(Number) });
      // A real SELECT over a socket takes measurable time (rounded to 0.1 ms); 'up' means it came within the 2 s timeout.
      expect(report.latencyMs).toBeGreaterThan(0);
      const other = await engine.open();
      try {
        const closed = await openDataSource(other.config);
        await closed.destroy();
        expect(await new DatabaseHealth(closed).health()).toEqual({
          status: 'down',
          detail: 'database: not connected',
          latencyMs: 0,
        });
      } finally {
        await other.drop();
      }
    });
  });
});
