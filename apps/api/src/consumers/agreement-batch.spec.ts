import { campaignSignature, type ScanTraining } from '@spamfilter/bayes';
import { loadConfig } from '@spamfilter/config';
import {
  CampaignEntity,
  DomainEntity,
  SharingConsentEntity,
  TenantEntity,
  UserAccountEntity,
  openDataSource,
  runInTransaction,
} from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';
import { AgreementBatch, type AgreementSettings } from './agreement-batch';

/** The agreement batch on SQLite in memory (the embedded shape): consent, trust and campaigns as the learner sees them. */
describe('AgreementBatch (SQLite)', () => {
  let ds: DataSource;
  const now = new Date('2026-12-01T12:00:00Z');
  const settings: AgreementSettings = {
    shareDefault: false,
    minSupport: 1.5,
    confidentLogit: 2.2,
    trust: { marks: 2, minAgeDays: 7 },
    campaignUsers: 3,
    campaignSimilarity: 0.5,
    campaignDays: 14,
  };
  const tokens = (seed: number, n = 60): number[] =>
    Array.from({ length: n }, (_, i) => ((seed * 1000 + i) * 2654435761) >>> 0);
  const training = (seed: number, globalLogit?: number): ScanTraining => ({
    tokens: tokens(seed),
    sender: null,
    listUnsubscribe: false,
    ...(globalLogit === undefined ? {} : { globalLogit }),
  });
  const CAMPAIGN = tokens(1);

  beforeEach(async () => {
    ds = await openDataSource(loadConfig({ DB_SQLITE_PATH: ':memory:' }).database);
    await ds.getRepository(TenantEntity).insert({ id: 't', name: 't', createdAt: now });
    await ds
      .getRepository(DomainEntity)
      .insert({ id: 'd', tenantId: 't', name: 'example.org', createdAt: now });
    const user = (id: string, ageDays: number) => ({
      id,
      tenantId: 't',
      domainId: 'd',
      address: `${id}@example.org`,
      displayName: null,
      createdAt: new Date(now.getTime() - ageDays * 86_400_000),
    });
    await ds
      .getRepository(UserAccountEntity)
      .insert(['old1', 'old2', 'old3', 'old4'].map((id) => user(id, 30)));
    await ds.getRepository(UserAccountEntity).insert(['new1', 'new2', 'new3'].map((id) => user(id, 1)));
  });
  afterEach(async () => {
    await ds.destroy();
  });

  const batch = async <T>(
    work: (a: AgreementBatch) => Promise<T>,
    users: string[],
    trainings: ScanTraining[] = [],
  ): Promise<T> =>
    runInTransaction(ds, async (m) => {
      const a = new AgreementBatch(m, settings, now);
      await a.prepare([
        ...users.map((userId) => ({ userId, training: trainings[0] ?? null })),
        ...trainings.map((t) => ({ userId: users[0]!, training: t })),
      ]);
      const out = await work(a);
      await a.flush();
      return out;
    });

  it("reads consent: the user's own answer, then the domain's, then the installation's", async () => {
    await ds.getRepository(SharingConsentEntity).insert([
      { scope: 'domain', scopeId: 'd', share: true, updatedAt: now, updatedBy: 'x' },
      { scope: 'user', scopeId: 'old2', share: false, updatedAt: now, updatedBy: 'x' },
    ]);
    const [a, b] = await batch(async (x) => [x.consentOf('old1'), x.consentOf('old2')], ['old1', 'old2']);
    expect(a).toEqual({ share: true, source: 'domain' });
    expect(b).toEqual({ share: false, source: 'user' });
  });

  it('three established voters make a campaign, three new accounts do not; a withdrawn vote removes it', async () => {
    const sig = campaignSignature(CAMPAIGN)!;
    const changes = await batch(
      async (a) => {
        for (const u of ['new1', 'new2', 'new3']) await a.castVote(`e-${u}`, u, 'spam', sig);
        return [...a.changes];
      },
      ['new1', 'new2', 'new3'],
    );
    expect(changes).toEqual([]);
    expect(await ds.getRepository(CampaignEntity).count()).toBe(0);

    const added = await batch(
      async (a) => {
        for (const u of ['old1', 'old2', 'old3']) await a.castVote(`e-${u}`, u, 'spam', sig);
        return [...a.changes];
      },
      ['old1', 'old2', 'old3'],
    );
    expect(added).toEqual([
      { op: 'add', id: expect.any(String), signature: expect.stringMatching(/^[0-9a-f]{256}$/), voters: 3 },
    ]);
    // A fourth vote: the campaign stands as it is, nothing to announce.
    expect(
      await batch(
        async (a) => (await a.castVote('e-old4', 'old4', 'spam', sig), [...a.changes]),
        ['old4'],
        [training(1)],
      ),
    ).toEqual([]);
    // Two withdrawn of four: two established voters are left, the campaign goes.
    const removed = await batch(async (a) => {
      await a.withdrawVote('e-old1');
      await a.withdrawVote('e-old4');
      return [...a.changes];
    }, []);
    expect(removed).toEqual([{ op: 'remove', id: (added[0] as { id: string }).id }]);
    expect(await ds.getRepository(CampaignEntity).count()).toBe(0);
  });

  it('weighs a mark by the filter and by the trust of the users who marked near-copies', async () => {
    // Two established users earn trust by marks the filter was sure of (three agreeing marks each: 3/4).
    for (const u of ['old1', 'old2'])
      await batch(
        async (a) => {
          for (const seed of [20, 21, 22]) a.assess(u, 'spam', training(seed, 5));
        },
        [u],
      );
    // They mark a message the filter was unsure of as ham.
    const sig = campaignSignature(tokens(30))!;
    await batch(
      async (a) => {
        await a.castVote('h1', 'old1', 'ham', sig);
      },
      ['old1'],
      [training(30, 0)],
    );
    // A new account marking it ham alone: no weight, no agreement; old2 with old1's vote: 2 × 3/4 ≥ 1.5.
    const alone = await batch(
      async (a) => a.assess('new1', 'ham', training(30, 0)).decision,
      ['new1'],
      [training(30, 0)],
    );
    expect(alone.train).toBe(false);
    const together = await batch(
      async (a) => a.assess('old2', 'ham', training(30, 0)).decision,
      ['old2'],
      [training(30, 0)],
    );
    expect(together).toEqual({ train: true });
    // The filter was sure it was spam: a user marking it ham disagrees and loses weight.
    await batch(async (a) => a.assess('old3', 'ham', training(40, 6)), ['old3']);
    expect(await ds.query(`SELECT agreed, disagreed FROM learner_trust WHERE user_id = 'old3'`)).toEqual([
      { agreed: 0, disagreed: 1 },
    ]);
  });
});
