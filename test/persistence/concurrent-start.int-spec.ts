import { MIGRATIONS, openDataSource, schemaDrift } from '@spamfilter/persistence';
import { createPostgresTestDatabase } from './test-databases';

describe('several processes starting at once on an empty PostgreSQL database', () => {
  it('apply the migrations exactly once and all start', async () => {
    const db = await createPostgresTestDatabase({ poolSize: 1 });
    try {
      const started = await Promise.allSettled([1, 2, 3, 4].map(() => openDataSource(db.config)));
      const failures = started
        .filter((s) => s.status === 'rejected')
        .map((s) => String((s as PromiseRejectedResult).reason));
      expect(failures).toEqual([]);
      const sources = started.map(
        (s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof openDataSource>>>).value,
      );
      const rows = (await sources[0].query('SELECT name FROM migrations ORDER BY id')) as { name: string }[];
      expect(rows).toHaveLength(MIGRATIONS.length);
      expect(await schemaDrift(sources[0])).toEqual([]);
      await Promise.all(sources.map((s) => s.destroy()));
    } finally {
      await db.drop();
    }
  });
});
