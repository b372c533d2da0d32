import { GLOBAL_SCOPE, userScope } from '@spamfilter/bayes';
import type { ModelChangeEvent } from '@spamfilter/domain';
import { openDataSource, TypeOrmBayesStore } from '@spamfilter/persistence';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CachedBayesStore } from '../../apps/filter/src/services/bayes-cache';
import { FilterDatabase } from '../../apps/filter/src/services/persistence/filter-database';
import { sqliteMemoryConfig } from '../persistence/test-databases';

/** The filter's hot Bayes cache on a real (SQLite) database with the learner's tables. */
describe('CachedBayesStore', () => {
  let ds: DataSource;
  let store: TypeOrmBayesStore;
  const tokens = Uint32Array.from([1, 2, 0xfffffff0]);
  const event = (
    userId: string | null,
    version: number,
    spam: -1 | 0 | 1,
    ham: -1 | 0 | 1,
    t: readonly number[] = Array.from(tokens),
  ): ModelChangeEvent => ({
    eventId: randomUUID(),
    kind: 'bayes',
    userId,
    version,
    occurredAt: new Date().toISOString(),
    payload: { tokens: t, spam, ham },
  });
  const setVersion = (scope: string, version: number) =>
    ds.query(
      'INSERT INTO learner_scope_version (scope, version) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET version = excluded.version',
      [scope, version],
    );

  beforeAll(async () => {
    ds = await openDataSource(sqliteMemoryConfig());
    store = TypeOrmBayesStore.of(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
  });

  const cacheOn = (maxUserScopes = 10) =>
    new CachedBayesStore(new FilterDatabase(sqliteMemoryConfig(), 5000, ds), { maxUserScopes });

  it('loads a scope once, then applies deltas in version order and ignores repeats, exactly as the tables change', async () => {
    await store.train(GLOBAL_SCOPE, 'm1', tokens, 'spam', new Date());
    await setVersion(GLOBAL_SCOPE, 1);
    const cache = cacheOn();
    const [g] = await cache.lookup([GLOBAL_SCOPE], tokens);
    expect(g!.totals).toEqual({ spam: 1, ham: 0 });
    expect(Array.from(g!.spam)).toEqual([1, 1, 1]);
    expect(cache.versionOf(GLOBAL_SCOPE)).toBe(1);
    // The learner's next change: a ham message with two of the tokens; its event twice (at-least-once delivery).
    await store.train(GLOBAL_SCOPE, 'm2', tokens.subarray(1), 'ham', new Date());
    await setVersion(GLOBAL_SCOPE, 2);
    expect(cache.apply(event(null, 2, 0, 1, Array.from(tokens.subarray(1))))).toBe('applied');
    expect(cache.apply(event(null, 2, 0, 1, Array.from(tokens.subarray(1))))).toBe('stale');
    const [fromCache] = await cache.lookup([GLOBAL_SCOPE], tokens);
    const [fromDb] = await store.lookup([GLOBAL_SCOPE], tokens);
    expect(fromCache).toEqual(fromDb);
    expect(cache.stats.loads).toBe(1);
  });

  it('an unlearn removes tokens no message supports any more, as the tables do', async () => {
    const cache = cacheOn();
    const scope = userScope('u-unlearn');
    await store.train(scope, 'm', tokens, 'spam', new Date());
    await setVersion(scope, 1);
    await cache.lookup([scope], tokens);
    await store.train(scope, 'm', tokens, null, new Date());
    await setVersion(scope, 2);
    expect(cache.apply(event('u-unlearn', 2, -1, 0))).toBe('applied');
    expect(await cache.lookup([scope], tokens)).toEqual(await store.lookup([scope], tokens));
    expect((await cache.totals(scope)).spam).toBe(0);
  });

  it('keeps at most maxUserScopes user layers (least recently used evicted), never the global one', async () => {
    const cache = cacheOn(2);
    await cache.lookup([GLOBAL_SCOPE, userScope('a')], tokens);
    await cache.lookup([GLOBAL_SCOPE, userScope('b')], tokens);
    await cache.lookup([GLOBAL_SCOPE, userScope('a')], tokens); // a is now more recent than b
    await cache.lookup([GLOBAL_SCOPE, userScope('c')], tokens);
    expect(cache.has(GLOBAL_SCOPE)).toBe(true);
    expect(cache.has(userScope('a'))).toBe(true);
    expect(cache.has(userScope('b'))).toBe(false);
    expect(cache.has(userScope('c'))).toBe(true);
    expect(cache.stats.evictions).toBe(1);
  });

  it('a delta that arrives while its scope loads is held and replayed after the snapshot', async () => {
    const cache = cacheOn();
    const scope = userScope('u-race');
    const loading = cache.lookup([scope], tokens); // the load is in flight from here
    // The event of a change committed after the snapshot (version 0): held, then applied on top of it.
    expect(cache.apply(event('u-race', 1, 1, 0))).toBe('stale');
    await loading;
    expect(cache.versionOf(scope)).toBe(1);
    const [v] = await cache.lookup([scope], tokens);
    expect(v!.totals).toEqual({ spam: 1, ham: 0 });
    expect(Array.from(v!.spam)).toEqual([1, 1, 1]);
  });

  it('a held delta the snapshot already contains is not counted twice', async () => {
    const cache = cacheOn();
    const scope = userScope('u-race2');
    await store.train(scope, 'm', tokens, 'spam', new Date());
    await setVersion(scope, 1);
    const loading = cache.lookup([scope], tokens);
    expect(cache.apply(event('u-race2', 1, 1, 0))).toBe('stale');
    await loading;
    expect(cache.versionOf(scope)).toBe(1);
    expect(await cache.lookup([scope], tokens)).toEqual(await store.lookup([scope], tokens));
    expect((await cache.totals(scope)).spam).toBe(1);
  });

  it('while the database is not connected a lookup fails (the check reports BAYES_TEMPFAIL)', async () => {
    const cache = new CachedBayesStore(new FilterDatabase(sqliteMemoryConfig()), { maxUserScopes: 10 });
    await expect(cache.lookup([GLOBAL_SCOPE], tokens)).rejects.toThrow(/database not connected/);
  });
});
