import { parseMessageSafe } from '@spamfilter/mail';
import type { ScanContext } from '../pipeline/check';
import { AupCheck } from './aup/aup.check';
import { InMemoryAccountStore, InMemoryAupRuleStore, InMemoryStandingStore } from './outbound-sources.port';
import { AccountStandingCheck } from './standing/account-standing.check';

function ctx(subject: string, direction: 'inbound' | 'outbound' = 'outbound'): ScanContext {
  const raw = Buffer.from(
    `From: <a@customer.example>\r\nTo: <b@far.example>\r\nSubject: ${subject}\r\n\r\nVisit http://pills.example/now\r\n`,
  );
  return {
    envelope: {
      clientIp: '198.51.100.1',
      helo: 'h.customer.example',
      mailFrom: 'a@customer.example',
      rcptTo: ['b@far.example'],
      direction,
      authUser: 'A@customer.example',
    },
    raw,
    message: parseMessageSafe(raw),
    senderDomain: 'customer.example',
  };
}

describe('AccountStandingCheck', () => {
  it('reports blocked accounts and poor or warning standing from verdicts and complaints', async () => {
    let now = 1_000_000;
    const accounts = new InMemoryAccountStore();
    const standing = new InMemoryStandingStore();
    const check = new AccountStandingCheck(accounts, standing, {
      complaintWeight: 2,
      standingWindowDays: 7,
      cacheMs: 60_000,
      now: () => now,
    });
    expect(await check.run(ctx('x'))).toEqual([]);

    standing.complaints.set('a@customer.example', 1);
    expect(await check.run(ctx('x'))).toEqual([]); // the cached standing holds for a minute…
    check.invalidate('a@customer.example'); // …unless a verdict or complaint invalidates it
    expect(await check.run(ctx('x'))).toEqual([{ name: 'OUTBOUND_STANDING_WARN', options: ['standing 80'] }]);

    standing.spam.set('a@customer.example', 3);
    now += 60_001;
    expect((await check.run(ctx('x'))).map((h) => h.name)).toEqual(['OUTBOUND_STANDING_POOR']);

    await accounts.autoBlock('a@customer.example', 'automatic: 5 spam verdicts', new Date(now));
    const hits = await check.run(ctx('x'));
    expect(hits[0]).toEqual({ name: 'OUTBOUND_ACCOUNT_BLOCKED', options: ['automatic: 5 spam verdicts'] });
  });

  it('ignores inbound mail', async () => {
    const accounts = new InMemoryAccountStore();
    await accounts.autoBlock('a@customer.example', 'x', new Date());
    const check = new AccountStandingCheck(accounts, new InMemoryStandingStore(), {
      complaintWeight: 2,
      standingWindowDays: 7,
      cacheMs: 0,
      now: Date.now,
    });
    expect(await check.run(ctx('x', 'inbound'))).toEqual([]);
  });
});

describe('AupCheck', () => {
  const rule = (
    id: string,
    name: string,
    score: number,
    value: string,
    field: 'subject' | 'urlHost' | 'body' = 'subject',
  ) => ({
    id,
    name,
    description: '',
    enabled: true,
    score,
    conditions: [{ field, op: 'contains' as const, value }],
  });

  it('reports each matching rule with its score as factor, on the message body and links too', async () => {
    const store = new InMemoryAupRuleStore([
      rule('1', 'pills', 6, 'pills.example', 'urlHost'),
      rule('2', 'visit', 2, 'visit http', 'body'),
      rule('3', 'other', 9, 'nope'),
    ]);
    const check = new AupCheck(store, { refreshMs: 10_000, now: Date.now });
    expect(await check.run(ctx('hello'))).toEqual([
      { name: 'OUTBOUND_AUP', factor: 6, options: ['pills'] },
      { name: 'OUTBOUND_AUP', factor: 2, options: ['visit'] },
    ]);
  });

  it('re-reads rules after refreshMs, keeps the last good set when the store fails, and skips a rule that no longer compiles', async () => {
    let now = 0;
    const store = new InMemoryAupRuleStore([rule('1', 'a', 1, 'hello')]);
    const check = new AupCheck(store, { refreshMs: 1000, now: () => now });
    expect(await check.run(ctx('hello'))).toHaveLength(1);
    store.rules = [rule('2', 'b', 1, 'bye')];
    expect(await check.run(ctx('hello'))).toHaveLength(1); // cached
    now = 1500;
    expect(await check.run(ctx('hello'))).toEqual([]);
    store.listEnabled = () => Promise.reject(new Error('database down'));
    now = 3000;
    expect(await check.run(ctx('bye'))).toHaveLength(1);

    const broken = new InMemoryAupRuleStore([
      { ...rule('3', 'broken', 1, 'x'), conditions: [{ field: 'subject', op: 'regex', value: '([' }] },
      rule('4', 'ok', 1, 'hello'),
    ]);
    expect(await new AupCheck(broken, { refreshMs: 1000, now: () => 0 }).run(ctx('hello'))).toEqual([
      { name: 'OUTBOUND_AUP', factor: 1, options: ['ok'] },
    ]);
  });
});
