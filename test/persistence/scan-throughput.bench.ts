/*
 * Message-log throughput on both engines: batched scan-record inserts (2 recipients each), then the three reads the
 * product does most (operator search by sender, a user's recent verdicts, lookup by reference).
 * Run: npm run -s bench:persistence [-- N]   (PostgreSQL from scripts/services.sh; SQLite in a temp file)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  bulkInsert,
  ListEntryEntity,
  ListRepository,
  openDataSource,
  runInTransaction,
  ScanRecordRepository,
  UserAccountEntity,
  UserRepository,
} from '@spamfilter/persistence';
import type { DatabaseConfig } from '@spamfilter/config';
import { recipientVerdict, scanRecord } from './scan-fixtures';
import { createPostgresTestDatabase, sqliteMemoryConfig } from './test-databases';

const N = Number(process.argv[2] ?? 20000);
const BATCH = 200;

async function run(name: string, config: DatabaseConfig): Promise<void> {
  const ds = await openDataSource(config);
  try {
    const users = new UserRepository(ds);
    const scans = new ScanRecordRepository(ds);
    const tenant = await users.createTenant('bench');
    const domain = await users.createDomain(tenant.id, 'bench.example');
    const people = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        users.createUser({ domainId: domain.id, address: `u${i}@bench.example` }),
      ),
    );
    const t0 = Date.UTC(2026, 10, 1);
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < N; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => {
        const k = i + j;
        const a = people[k % people.length];
        const b = people[(k * 7 + 3) % people.length];
        return scanRecord({
          createdAt: new Date(t0 + k * 1000),
          mailFrom: `sender${k % 500}@senders.example`,
          recipients: [
            recipientVerdict(a.address, { userId: a.id, domainId: domain.id }),
            recipientVerdict(b.address === a.address ? `x${k}@bench.example` : b.address, {
              userId: b.id,
              domainId: domain.id,
            }),
          ],
        });
      });
      await scans.insertMany(batch);
    }
    const insertSec = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuUsPerRecord = (cpu.user + cpu.system) / N;
    const time = async (fn: () => Promise<unknown>, reps = 50): Promise<number> => {
      const s = performance.now();
      for (let r = 0; r < reps; r++) await fn();
      return (performance.now() - s) / reps;
    };
    const bySender = await time(() =>
      scans.search({ kind: 'operator' }, { sender: 'sender42@senders.example' }, { limit: 50 }),
    );
    const userSearch = await time(() =>
      scans.search({ kind: 'user', userId: people[3].id }, {}, { limit: 50 }),
    );
    const recent = await time(() => scans.recentForUser(people[7].id, 50));
    const someRef = (await scans.recentForUser(people[1].id, 1))[0].reference;
    const byRef = await time(() => scans.findByReference({ kind: 'operator' }, someRef), 200);
    // List lookups per scan with 100k user entries in the table (20 per user for 5000 users).
    const more = await Promise.all(
      Array.from({ length: 5000 }, (_, i) => ({ id: randomUUID(), address: `l${i}@bench.example` })),
    );
    await runInTransaction(ds, (m) =>
      bulkInsert(
        m,
        UserAccountEntity,
        more.map((u) => ({
          id: u.id,
          tenantId: tenant.id,
          domainId: domain.id,
          address: u.address,
          displayName: null,
          createdAt: new Date(),
        })),
      ),
    );
    const entries: ListEntryEntity[] = more.flatMap((u) =>
      Array.from({ length: 20 }, (_, k) => ({
        id: randomUUID(),
        scope: 'user' as const,
        scopeId: u.id,
        kind: 'block' as const,
        matchType: 'address' as const,
        value: `s${k}@x.example`,
        direction: 'inbound' as const,
        reason: null,
        createdBy: 'bench',
        createdAt: new Date(),
        expiresAt: null,
        requires: null,
      })),
    );
    await runInTransaction(ds, (m) => bulkInsert(m, ListEntryEntity, entries));
    const lists = new ListRepository(ds);
    const listLookup = await time(() =>
      lists.entriesForScan([more[1].address, more[2].address, 'x@other.example'], 'inbound'),
    );
    console.log(
      `${name}: insert ${N} records (+${2 * N} recipients) in ${insertSec.toFixed(1)} s = ${Math.round(N / insertSec)} records/s (batches of ${BATCH}, this process ${Math.round(cpuUsPerRecord)} µs CPU per record); ` +
        `search by sender ${bySender.toFixed(1)} ms, user search ${userSearch.toFixed(1)} ms, recent verdicts ${recent.toFixed(1)} ms, by reference ${byRef.toFixed(2)} ms, list entries for a scan (100k entries) ${listLookup.toFixed(1)} ms`,
    );
  } finally {
    await ds.destroy();
  }
}

async function main(): Promise<void> {
  const pg = await createPostgresTestDatabase();
  try {
    await run('PostgreSQL 15', pg.config);
  } finally {
    await pg.drop();
  }
  const dir = mkdtempSync(join(tmpdir(), 'sf-bench-'));
  try {
    await run('SQLite (WAL file)', { ...sqliteMemoryConfig(), sqlitePath: join(dir, 'bench.sqlite') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
