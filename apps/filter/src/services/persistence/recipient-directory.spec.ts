import type { RecipientOwner } from '@spamfilter/persistence';
import { RecipientDirectory } from './db-adapters';
import type { FilterDatabase } from './filter-database';

/** A FilterDatabase whose user table the test edits; counts the queries the directory makes. */
function fakeDatabase(users: Map<string, RecipientOwner>): { db: FilterDatabase; queries: () => number } {
  let queries = 0;
  const repos = {
    users: {
      resolveRecipients: async (addresses: readonly string[]) => {
        queries++;
        return new Map(
          addresses.flatMap((a) =>
            users.has(a.toLowerCase()) ? [[a.toLowerCase(), users.get(a.toLowerCase())!]] : [],
          ),
        );
      },
    },
  };
  return { db: { repos: () => repos } as unknown as FilterDatabase, queries: () => queries };
}

const alice: RecipientOwner = {
  address: 'alice@example.net',
  userId: 'u-alice',
  domainId: 'd-1',
  tenantId: 't-1',
};

describe('RecipientDirectory', () => {
  it('caches known recipients for the long TTL', async () => {
    let now = 0;
    const { db, queries } = fakeDatabase(new Map([[alice.address, alice]]));
    const dir = new RecipientDirectory(db, 60_000, () => now, 2_000);
    expect((await dir.owners(['alice@example.net'])).get('alice@example.net')?.userId).toBe('u-alice');
    now = 59_000;
    await dir.owners(['alice@example.net']);
    expect(queries()).toBe(1);
    now = 61_000;
    await dir.owners(['alice@example.net']);
    expect(queries()).toBe(2);
  });

  it('forgets an unknown recipient after the short TTL, so a mailbox created meanwhile owns its next mail', async () => {
    let now = 0;
    const users = new Map<string, RecipientOwner>();
    const { db, queries } = fakeDatabase(users);
    const dir = new RecipientDirectory(db, 60_000, () => now, 2_000);
    expect((await dir.owners(['alice@example.net'])).get('alice@example.net')).toBeNull();
    users.set(alice.address, alice);
    now = 1_000;
    expect((await dir.owners(['alice@example.net'])).get('alice@example.net')).toBeNull(); // still cached
    now = 2_500;
    expect((await dir.owners(['alice@example.net'])).get('alice@example.net')?.userId).toBe('u-alice');
    expect(queries()).toBe(2);
  });

  it('runs one query for concurrent scans of the same uncached recipient, and retries after a failed one', async () => {
    const { db, queries } = fakeDatabase(new Map([[alice.address, alice]]));
    const dir = new RecipientDirectory(db, 60_000, () => 0, 2_000);
    const [a, b, c] = await Promise.all([
      dir.owners(['Alice@example.net']),
      dir.owners(['alice@example.net']),
      dir.owners(['alice@example.net', 'bob@example.net']),
    ]);
    expect(a.get('Alice@example.net')?.userId).toBe('u-alice');
    expect(b.get('alice@example.net')?.userId).toBe('u-alice');
    expect(c.get('alice@example.net')?.userId).toBe('u-alice');
    expect(c.get('bob@example.net')).toBeNull();
    expect(queries()).toBe(2); // alice once, shared by the three calls; bob once (without sharing: 3)

    let fail = true;
    const flaky = {
      repos: () => ({
        users: {
          resolveRecipients: async () => {
            if (fail) throw new Error('database down');
            return new Map([[alice.address, alice]]);
          },
        },
      }),
    } as unknown as FilterDatabase;
    const dir2 = new RecipientDirectory(flaky, 60_000, () => 0, 2_000);
    const both = await Promise.allSettled([dir2.owners([alice.address]), dir2.owners([alice.address])]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect((await dir2.owners([alice.address])).get(alice.address)?.userId).toBe('u-alice');
  });
  it('does not cache an answer whose lookup started before an invalidation (a mailbox deleted meanwhile)', async () => {
    const users = new Map([[alice.address, alice]]);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let queries = 0;
    const repos = {
      users: {
        resolveRecipients: async (addresses: readonly string[]) => {
          queries++;
          const answer = new Map(addresses.flatMap((a) => (users.has(a) ? [[a, users.get(a)!]] : [])));
          if (queries === 1) await gate; // the first lookup read the row before the change and answers late
          return answer;
        },
      },
    };
    const dir = new RecipientDirectory(
      { repos: () => repos } as unknown as FilterDatabase,
      60_000,
      () => 0,
      2_000,
    );
    const stale = dir.owners([alice.address]);
    users.delete(alice.address);
    dir.invalidate();
    release();
    expect((await stale).get(alice.address)?.userId).toBe('u-alice'); // that scan had asked before the change
    expect((await dir.owners([alice.address])).get(alice.address)).toBeNull(); // the next one asks again
    expect(queries).toBe(2);
  });
});
