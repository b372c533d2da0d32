import { bayesStoreMismatches, openDataSource, TypeOrmBayesStore } from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';

describe('TypeOrmBayesStore (PostgreSQL)', () => {
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

  it('behaves like the in-memory reference store', async () => {
    expect(await bayesStoreMismatches(TypeOrmBayesStore.of(db))).toEqual([]);
  });
});
