import { loadConfig } from '@spamfilter/config';
import { ManualClock, MemoryCounterStore } from '@spamfilter/counters';
import type { ScanEnvelope } from '@spamfilter/domain';
import { FilterServices } from '../services/filter-services';
import {
  InMemoryAccountStore,
  InMemoryAupRuleStore,
  InMemoryStandingStore,
  type OperatorNotice,
} from './outbound-sources.port';
import { OutboundProtection, ROUTING_HEADER } from './outbound-protection';

/**
 * The outbound module inside the real scan pipeline (in-memory stores): limits, forced actions, the automatic
 * block and the routing tag, as Haraka would see them in the verdict.
 */
function setup(env: Record<string, string> = {}) {
  const config = loadConfig({ OUTBOUND_ACCOUNT_PER_HOUR: '5', OUTBOUND_AUTOBLOCK_SPAM_COUNT: '3', ...env });
  const manual = new ManualClock(Date.UTC(2026, 10, 22, 10, 0, 0));
  const clock = () => manual.now();
  const accounts = new InMemoryAccountStore();
  const notices: OperatorNotice[] = [];
  const aup = new InMemoryAupRuleStore([
    {
      id: 'r1',
      name: 'spam-run',
      description: '',
      enabled: true,
      score: 20,
      conditions: [{ field: 'subject', op: 'contains', value: 'SPAMRUN' }],
    },
    {
      id: 'r2',
      name: 'risky',
      description: '',
      enabled: true,
      score: 4,
      conditions: [{ field: 'subject', op: 'contains', value: 'promo' }],
    },
  ]);
  const outbound = new OutboundProtection(config.outbound, {
    counters: new MemoryCounterStore(manual),
    accounts,
    standing: new InMemoryStandingStore(),
    aupRules: aup,
    clock,
    notifiers: [{ name: 'test', notifier: { notify: async (n) => void notices.push(n) } }],
  });
  const filter = track(
    new FilterServices(config.filter, {
      extraChecks: outbound.checks,
      extensions: {
        forcedAction: (hits, envelope) => outbound.forcedAction(hits, envelope),
        onVerdict: (verdict, envelope) => outbound.onVerdict(verdict, envelope),
        headers: (verdict, envelope) => outbound.routingHeaders(verdict, envelope),
      },
      scanLog: null,
    }),
  );
  return { outbound, filter, accounts, notices, advance: (ms: number) => manual.advance(ms) };
}

const envelope = (authUser: string, rcpt = ['friend@elsewhere.example']): ScanEnvelope => ({
  clientIp: '198.51.100.9',
  helo: 'laptop.customer.example',
  mailFrom: authUser,
  rcptTo: rcpt,
  direction: 'outbound',
  authUser,
});
const mail = (subject: string) =>
  Buffer.from(
    `From: <alice@customer.example>\r\nTo: <friend@elsewhere.example>\r\nSubject: ${subject}\r\nMessage-ID: <${Math.random()}@customer.example>\r\n\r\nHello there, see you tomorrow.\r\n`,
  );

/** Every FilterServices a test made, closed after it (each has an analysis thread). */
const made: FilterServices[] = [];
function track(f: FilterServices): FilterServices {
  made.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(made.splice(0).map((f) => f.close()));
});

describe('OutboundProtection in the scan pipeline', () => {
  it('accepts the 5th message of the hour and answers the 6th with 421 4.7.0 and the reference', async () => {
    const { filter } = setup();
    const verdicts = [];
    for (let i = 0; i < 6; i++)
      verdicts.push(await filter.scan.scan(envelope('alice@customer.example'), mail(`note ${i}`)));
    expect(verdicts.slice(0, 5).map((v) => v.action)).toEqual([
      'accept',
      'accept',
      'accept',
      'accept',
      'accept',
    ]);
    const sixth = verdicts[5];
    expect(sixth.action).toBe('defer');
    expect(sixth.smtp).toMatchObject({ code: 421, enhanced: '4.7.0' });
    expect(sixth.smtp.message).toContain(sixth.reference);
    expect(sixth.symbols.map((s) => s.name)).toContain('OUTBOUND_RATE_ACCOUNT_HOUR');
  });

  it('leaves inbound mail alone', async () => {
    const { filter } = setup({ OUTBOUND_ACCOUNT_PER_HOUR: '1' });
    for (let i = 0; i < 3; i++) {
      const v = await filter.scan.scan(
        { ...envelope('alice@customer.example'), direction: 'inbound', authUser: undefined },
        mail('hi'),
      );
      expect(v.symbols.filter((s) => s.group === 'outbound')).toEqual([]);
    }
  });

  it('refuses outbound spam with 550 5.7.1, blocks the account at the third spam verdict, notifies, and blocks its next mail', async () => {
    const { filter, outbound, accounts, notices } = setup({ OUTBOUND_ACCOUNT_PER_HOUR: '100' });
    const who = 'mallory@customer.example';
    for (let i = 0; i < 2; i++) {
      const v = await filter.scan.scan(envelope(who), mail('SPAMRUN now'));
      expect(v.action).toBe('reject');
      expect(v.smtp).toMatchObject({ code: 550, enhanced: '5.7.1' });
      await outbound.autoBlock.idle();
      expect((await accounts.state(who)).status).toBe('active');
    }
    const third = await filter.scan.scan(envelope(who), mail('SPAMRUN again'));
    await outbound.autoBlock.idle();
    expect((await accounts.state(who)).status).toBe('blocked');
    expect(notices).toEqual([
      expect.objectContaining({
        kind: 'outbound_account_blocked',
        account: who,
        reference: third.reference,
        actor: 'system:auto-block',
      }),
    ]);
    expect(accounts.audit.map((a) => a.action)).toEqual(['auto_block']);

    // Even a clean message is now refused, with a clear text for the customer's client.
    const next = await filter.scan.scan(envelope(who), mail('lunch?'));
    expect(next.action).toBe('block');
    expect(next.smtp.code).toBe(550);
    expect(next.smtp.message).toMatch(/Sending account blocked/);
    // Another account of the same domain is untouched.
    expect((await filter.scan.scan(envelope('bob@customer.example'), mail('lunch?'))).action).toBe('accept');
  });

  it('restores sending after an unblock, and the old verdicts do not block again at once', async () => {
    const { filter, outbound, accounts, advance } = setup({ OUTBOUND_ACCOUNT_PER_HOUR: '100' });
    const who = 'mallory@customer.example';
    for (let i = 0; i < 3; i++) await filter.scan.scan(envelope(who), mail('SPAMRUN'));
    await outbound.autoBlock.idle();
    expect((await accounts.state(who)).status).toBe('blocked');
    advance(60_000);
    accounts.unblock(
      who,
      'op@provider.example',
      'customer cleaned the machine',
      new Date(Date.UTC(2026, 10, 22, 10, 1, 0)),
    );
    expect((await filter.scan.scan(envelope(who), mail('lunch?'))).action).toBe('accept');
    await filter.scan.scan(envelope(who), mail('SPAMRUN'));
    await outbound.autoBlock.idle();
    expect((await accounts.state(who)).status).toBe('active');
  });

  it('tags risky but allowed mail for the separate pool', async () => {
    const { outbound, filter } = setup();
    const risky = await filter.scan.scan(envelope('carol@customer.example'), mail('promo of the week'));
    expect(risky.action).toBe('accept');
    expect(risky.score).toBeGreaterThanOrEqual(3);
    expect(risky.headers).toContainEqual([ROUTING_HEADER, 'risky']);
    const clean = await filter.scan.scan(envelope('carol@customer.example'), mail('minutes of the meeting'));
    expect(clean.headers.map(([name]) => name)).not.toContain(ROUTING_HEADER);
    // Refused mail is not routed anywhere, and inbound mail never gets the tag.
    const refused = await filter.scan.scan(envelope('carol@customer.example'), mail('SPAMRUN promo'));
    expect(refused.action).toBe('reject');
    expect(refused.headers.map(([name]) => name)).not.toContain(ROUTING_HEADER);
    expect(outbound.routingHeaders({ action: 'accept', score: 50 }, { direction: 'inbound' })).toEqual([]);
  });
});
