import type { ScanEnvelope } from '@spamfilter/domain';
import { SymbolRegistry } from '@spamfilter/scoring';
import { InMemoryListSource } from '../checks/lists/list-source';
import { LIST_SYMBOLS } from '../checks/lists/lists.check';
import { Clock, RandomSource, ReferenceIdGenerator } from './clock';
import { GreylistService, InMemoryGreylistStore } from './greylist.service';
import { InMemoryPolicySource, PolicyService } from './policy.service';
import { hostingRefusal, RecipientService } from './recipient.service';
import { NoReleaseTickets } from './release-tickets';
import { ScanLogWriter, type ScanLogRecord } from './scan-log.writer';

describe('RecipientService (connect and RCPT, before DATA)', () => {
  const clock = new Clock();
  const registry = new SymbolRegistry(LIST_SYMBOLS);
  const lists = new InMemoryListSource([
    { scope: 'global', owner: null, kind: 'block', match: 'cidr', value: '203.0.113.0/24' },
    {
      scope: 'user',
      owner: 'carol@example.net',
      kind: 'block',
      match: 'address',
      value: 'alice@sender.example',
    },
  ]);
  let written: ScanLogRecord[];
  let log: ScanLogWriter;
  let service: RecipientService;
  const envelope = (o: Partial<ScanEnvelope>): ScanEnvelope => ({
    clientIp: '192.0.2.1',
    helo: 'mx.sender.example',
    mailFrom: 'alice@sender.example',
    rcptTo: [],
    direction: 'inbound',
    ...o,
  });

  beforeEach(() => {
    written = [];
    const sink = {
      writeBatch: (batch: readonly ScanLogRecord[]): Promise<void> => {
        written.push(...batch);
        return Promise.resolve();
      },
    };
    log = new ScanLogWriter(sink, { batchSize: 1, flushMs: 10, bufferMax: 100 });
    service = new RecipientService({
      lists,
      registry,
      policies: new PolicyService(new InMemoryPolicySource(), () => registry.names()),
      greylist: new GreylistService(new InMemoryGreylistStore(clock), clock),
      ids: new ReferenceIdGenerator(clock, new RandomSource()),
      log,
      clock,
      tickets: new NoReleaseTickets(),
    });
  });

  it("refuses a recipient whose own list blocks the sender and writes the refusal to the message log under the reply's reference", async () => {
    const a = await service.check(envelope({ rcptTo: ['carol@example.net'] }));
    expect(a).toMatchObject({ action: 'reject', smtp: { code: 550, enhanced: '5.7.1' } });
    expect(a.smtp.message).toContain(`(ref ${a.reference})`);
    await log.drain();
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      reference: a.reference,
      action: 'reject',
      size: 0,
      smtpReply: a.smtp,
      mailFrom: 'alice@sender.example',
    });
    expect(written[0]!.recipients).toEqual([
      expect.objectContaining({
        recipient: 'carol@example.net',
        action: 'reject',
        disposition: 'refused',
        reason: a.reason,
      }),
    ]);
    expect(written[0]!.recipients[0]!.symbols.map((s) => s.name)).toEqual(['USER_BLOCK']);
  });

  it('at connect (no recipient, no sender) refuses a block-listed client with 554 and logs it without recipients', async () => {
    const a = await service.check(envelope({ clientIp: '203.0.113.9', mailFrom: '', helo: '' }));
    expect(a).toMatchObject({ action: 'reject', smtp: { code: 554, enhanced: '5.7.1' } });
    await log.drain();
    expect(written).toEqual([
      expect.objectContaining({
        reference: a.reference,
        clientIp: '203.0.113.9',
        recipients: [],
        smtpReply: a.smtp,
      }),
    ]);
    expect(written[0]!.symbols.map((s) => s.name)).toEqual(['GLOBAL_BLOCK']);
  });

  it('lets everyone else through and writes nothing', async () => {
    const pass = await service.check(envelope({ rcptTo: ['bob@example.net'] }));
    const connect = await service.check(envelope({ mailFrom: '', helo: '' }));
    expect([pass.action, connect.action]).toEqual(['accept', 'accept']);
    expect([pass.reference, connect.reference]).toEqual([null, null]);
    await log.drain();
    expect(written).toEqual([]);
  });
});

describe('hostingRefusal', () => {
  const owner = {
    address: 'bob@example.net',
    userId: 'u1',
    domainId: 'd1',
    tenantId: 't1',
    unknownRecipients: null,
  };

  it('refuses a domain not hosted here as relaying (550 5.7.1)', () => {
    expect(hostingRefusal('x@gone.example', null, 'R1')).toEqual({
      smtp: {
        code: 550,
        enhanced: '5.7.1',
        message: 'Relaying denied: gone.example is not served here (ref R1)',
      },
      reason: 'relaying denied',
      mailbox: null,
    });
  });

  it('refuses an unknown mailbox with 550 5.1.1 only where the domain validates recipients', () => {
    expect(
      hostingRefusal('nobody@example.net', { ...owner, userId: null, unknownRecipients: 'reject' }, 'R2'),
    ).toMatchObject({
      smtp: { code: 550, enhanced: '5.1.1' },
      mailbox: 'unknown',
    });
    expect(hostingRefusal('nobody@example.net', { ...owner, userId: null }, 'R3')).toBeNull();
    expect(hostingRefusal('bob@example.net', { ...owner, unknownRecipients: 'reject' }, 'R4')).toBeNull();
  });
});
