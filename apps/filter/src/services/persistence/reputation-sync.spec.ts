import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type DatabaseConfig } from '@spamfilter/config';
import { openDataSource, ReputationRepository } from '@spamfilter/persistence';
import type { DataSource } from 'typeorm';
import { ReputationService } from '../reputation.service';
import { FilterDatabase } from './filter-database';
import { ReputationSync } from './reputation-sync';

/**
 * The reputation sync on a real SQLite file: deltas are saved in chunks with the event loop free between them, and a
 * connection lost between chunks puts back only the deltas not yet saved, so a later sync counts each one once.
 */
describe('ReputationSync', () => {
  let dir: string;
  let config: DatabaseConfig;
  const open: DataSource[] = [];
  const connect = async (): Promise<DataSource> => {
    const ds = await openDataSource(config);
    open.push(ds);
    return ds;
  };
  const NOW = Date.UTC(2026, 10, 23, 9, 0, 0);

  /** 150 senders on 150 networks and 150 domains: 450 keys, one spam mark each. */
  const withEvidence = (): ReputationService => {
    const reputation = new ReputationService({ halfLifeHours: 72, maxEntries: 10_000, now: () => NOW });
    for (let i = 0; i < 150; i++) reputation.record(`198.18.${i}.7`, `sender${i}.example`, 'spam', 1);
    return reputation;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reputation-sync-'));
    config = {
      ...loadConfig({}).database,
      type: 'sqlite',
      sqlitePath: join(dir, 'filter.sqlite'),
      migrationsRun: true,
    };
  });

  afterEach(async () => {
    for (const ds of open.splice(0)) if (ds.isInitialized) await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves every key in chunks, letting the event loop run between them', async () => {
    const reputation = withEvidence();
    const sync = new ReputationSync(new FilterDatabase(config, 5000, await connect()), reputation, 5000, 100);
    let turns = 0;
    let counting = true;
    const tick = (): void => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    await sync.syncOnce(new Date(NOW));
    counting = false;
    // 450 keys in chunks of 100: the loop turned between the chunks (one transaction would let it turn at most once).
    expect(turns).toBeGreaterThanOrEqual(4);
    const rows = await new ReputationRepository(await connect()).get([
      'ip:198.18.0.7',
      'ip:198.18.149.7',
      'domain:sender77.example',
    ]);
    expect([...rows.values()].map((r) => r.spam)).toEqual([1, 1, 1]);
    expect(reputation.takeDeltas()).toEqual([]);
  });

  it('after a connection lost between chunks, puts back only the unsaved deltas; the next sync counts each once', async () => {
    const reputation = withEvidence();
    const first = await connect();
    let loads = 0;
    const load = reputation.load.bind(reputation);
    reputation.load = (rows) => {
      load(rows);
      // The connection goes away right after the first chunk is saved.
      if (++loads === 1) void first.destroy();
    };
    await new ReputationSync(new FilterDatabase(config, 5000, first), reputation, 5000, 100).syncOnce(
      new Date(NOW),
    );
    const left = reputation.takeDeltas();
    expect(left).toHaveLength(350);
    reputation.restoreDeltas(left);
    reputation.load = load;

    await new ReputationSync(
      new FilterDatabase(config, 5000, await connect()),
      reputation,
      5000,
      100,
    ).syncOnce(new Date(NOW));
    const all = await new ReputationRepository(await connect()).get(
      left.map((d) => d.key).concat('ip:198.18.0.7'),
    );
    expect(all.size).toBe(351);
    expect([...all.values()].every((r) => r.spam === 1)).toBe(true);
  });
});
