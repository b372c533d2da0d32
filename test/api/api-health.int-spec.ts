import { OutboxRepository, openDataSource } from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';
import { HealthService } from '../../apps/api/src/services/health.service';
import { createPostgresTestDatabase, type TestDatabase } from '../persistence/test-databases';

/**
 * The API's /health against the real PostgreSQL when the database stops answering: a pool of one connection held by
 * an open transaction makes every other query wait, as a hung server would. Health must say "down" within its
 * timeout (2 s) instead of hanging the probe, and "up" again once the connection is free.
 */
describe('API health on PostgreSQL', () => {
  let tdb: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    tdb = await createPostgresTestDatabase({ poolSize: 1 });
    db = await openDataSource(tdb.config);
  });

  afterAll(async () => {
    await db?.destroy();
    await tdb?.drop();
  });

  it('reports the database down within the timeout when no query can run, and up with the backlog after', async () => {
    const health = new HealthService(db, new OutboxRepository(db));
    expect(await health.check()).toEqual({ status: 'ok', database: 'up', outboxBacklog: 0 });

    const holder = db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    const started = Date.now();
    const stuck = await health.check();
    const waited = Date.now() - started;
    // Answered while the connection is still held (it is released only below), so by its own 2 s timeout and not by
    // the query getting through; a timer never fires early, so the lower bound holds on any machine.
    expect(stuck).toEqual({ status: 'degraded', database: 'down', outboxBacklog: null });
    expect(waited).toBeGreaterThanOrEqual(1_900);

    await holder.rollbackTransaction();
    await holder.release();
    expect(await health.check()).toEqual({ status: 'ok', database: 'up', outboxBacklog: 0 });
  });
});
