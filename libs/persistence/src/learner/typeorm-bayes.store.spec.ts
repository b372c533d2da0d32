import { loadConfig } from '@spamfilter/config';
import type { DataSource } from 'typeorm';
import { openDataSource } from '../data-source.factory';
import { bayesStoreMismatches } from './bayes-store.contract';
import { TypeOrmBayesStore } from './typeorm-bayes.store';

describe('TypeOrmBayesStore (SQLite)', () => {
  let db: DataSource;
  beforeAll(async () => {
    db = await openDataSource({ ...loadConfig({}).database, sqlitePath: ':memory:', migrationsRun: true });
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('behaves like the in-memory reference store, and unlearning everything leaves no rows', async () => {
    expect(await bayesStoreMismatches(TypeOrmBayesStore.of(db))).toEqual([]);
    const [{ n }] = (await db.query('SELECT COUNT(*) AS n FROM bayes_token')) as { n: number }[];
    // the global scope still holds m2 (3 tokens); u1 and m1 were unlearned completely
    expect(Number(n)).toBe(3);
  });

  it('rolls back with the caller transaction', async () => {
    const store = TypeOrmBayesStore.of(db);
    const before = await store.totals('user:rb');
    await expect(
      db.transaction(async (m) => {
        await new TypeOrmBayesStore(m).train('user:rb', 'x', Uint32Array.from([7]), 'spam', new Date());
        throw new Error('crash');
      }),
    ).rejects.toThrow('crash');
    expect(await store.totals('user:rb')).toEqual(before);
    expect(await store.trainedLabel('user:rb', 'x')).toBeNull();
  });
});
