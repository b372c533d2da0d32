import type { TestDatabase } from '../persistence/test-databases';

/**
 * DROP DATABASE … WITH (FORCE) fails when a server background process (autovacuum on a database that just saw a
 * burst of writes) holds it for a moment: retry a few times before failing the suite.
 */
export async function dropWithRetry(tdb: TestDatabase | undefined, attempts = 5): Promise<void> {
  if (!tdb) return;
  for (let i = 1; ; i++) {
    try {
      await tdb.drop();
      return;
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 500 * i));
    }
  }
}
