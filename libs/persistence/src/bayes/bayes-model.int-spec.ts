import { BayesClassifier, MemoryBayesStore, tokenize, type TokenSet } from '@spamfilter/bayes';
import { parseMessageSync } from '@spamfilter/mail';
import type { DataSource } from 'typeorm';
import { createPostgresTestDatabase, type TestDatabase } from '../../../../test/persistence/test-databases';
import { openDataSource } from '../data-source.factory';
import { TypeOrmBayesStore } from '../learner/typeorm-bayes.store';

/**
 * The learning core end to end on the real PostgreSQL (scripts/services.sh): the Bayes model over the TypeORM store
 * gives exactly the scores of the in-memory store through learn, per-user marks, a correction and unlearn, and reads
 * a message's global and user statistics with a bounded number of queries.
 */
const SPAM_WORDS = [
  'cheap',
  'pills',
  'winner',
  'lottery',
  'discount',
  'offer',
  'viagra',
  'money',
  'click',
  'free',
  'prize',
];
const HAM_WORDS = [
  'meeting',
  'project',
  'review',
  'tuesday',
  'notes',
  'budget',
  'release',
  'patch',
  'thanks',
  'draft',
];
const COMMON = ['the', 'and', 'you', 'for', 'this', 'with', 'have', 'will', 'your', 'from', 'about', 'today'];

function seededWords(rnd: () => number, n: number, pool: readonly string[]): string {
  return Array.from({ length: n }, () => pool[Math.floor(rnd() * pool.length)] as string).join(' ');
}

function message(rnd: () => number, spam: boolean, i: number): TokenSet {
  const pool = spam ? SPAM_WORDS : HAM_WORDS;
  const body = seededWords(rnd, 40, [...pool, ...COMMON, `rare${i}`]);
  const subject = seededWords(rnd, 3, pool);
  return tokenize(
    parseMessageSync(
      Buffer.from(`From: "Sender ${i % 7}" <s${i}@example.com>\r\nSubject: ${subject}\r\n\r\n${body}\r\n`),
    ),
  );
}

describe('Bayes model on PostgreSQL', () => {
  let tdb: TestDatabase;
  let db: DataSource;
  beforeAll(async () => {
    tdb = await createPostgresTestDatabase();
    db = await openDataSource(tdb.config);
  });
  afterAll(async () => {
    await db?.destroy();
    await tdb?.drop();
  });

  it('learn, per-user marks, correct and unlearn give the same scores as the in-memory store', async () => {
    const manager = db.createEntityManager();
    let queries = 0;
    const query = manager.query.bind(manager);
    manager.query = ((sql: string, params?: unknown[]) => {
      queries++;
      return query(sql, params);
    }) as typeof manager.query;
    const pgModel = new BayesClassifier(new TypeOrmBayesStore(manager));
    const memModel = new BayesClassifier(new MemoryBayesStore());
    let seed = 7;
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const now = new Date('2026-11-22T12:00:00Z');
    const train = Array.from({ length: 60 }, (_, i) => ({
      tokens: message(rnd, i % 3 === 0, i),
      label: i % 3 === 0 ? ('spam' as const) : ('ham' as const),
    }));
    const probes = Array.from({ length: 8 }, (_, i) => message(rnd, i % 2 === 0, 1000 + i));

    const both = async (f: (m: BayesClassifier) => Promise<unknown>): Promise<void> => {
      const [a, b] = await Promise.all([f(pgModel), f(memModel)]);
      expect(a).toEqual(b);
    };
    const sameScores = async (user: string | null): Promise<number[]> => {
      const out: number[] = [];
      for (const p of probes) {
        const [a, b] = [await pgModel.classify(p, user), await memModel.classify(p, user)];
        expect(a.logit).toBe(b.logit);
        expect(a.score).toBe(b.score);
        expect(a.spammiest).toEqual(b.spammiest);
        out.push(a.logit);
      }
      return out;
    };

    for (const [i, ex] of train.entries())
      await both((m) => m.learn(null, `g${i}`, ex.tokens, ex.label, now));
    const global = await sameScores(null);
    expect(global[0]).toBeGreaterThan(0); // spam probe
    expect(global[1]).toBeLessThan(0); // ham probe

    // ONE query per classify: the global token rows and the user's trainings are read in one statement
    queries = 0;
    await pgModel.classify(probes[0] as TokenSet, 'alice');
    expect(queries).toBe(1);

    // alice marks two ham-like messages as spam: her scores move, bob's stay global
    await both((m) => m.learn('alice', 'a1', probes[1] as TokenSet, 'spam', now));
    await both((m) => m.learn('alice', 'a2', probes[3] as TokenSet, 'spam', now));
    const alice = await sameScores('alice');
    expect(alice[1]).toBeGreaterThan(global[1] as number);
    expect(await sameScores('bob')).toEqual(global);

    // a correction moves the counts, a repeat is a no-op, unlearn restores the earlier scores exactly
    await both((m) => m.learn(null, 'g1', (train[1] as { tokens: TokenSet }).tokens, 'spam', now));
    await both((m) => m.learn(null, 'g1', (train[1] as { tokens: TokenSet }).tokens, 'spam', now));
    await sameScores(null);
    await both((m) => m.learn(null, 'g1', (train[1] as { tokens: TokenSet }).tokens, 'ham', now));
    expect(await sameScores(null)).toEqual(global);
    await both((m) => m.unlearn('alice', 'a1', now));
    await both((m) => m.unlearn('alice', 'a2', now));
    expect(await sameScores('alice')).toEqual(global);
  });
});
