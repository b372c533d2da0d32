import { loadConfig } from '@spamfilter/config';
import { RELEASE_HEADER, SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import { bodyDigest } from '@spamfilter/mail';
import type { RedeemFacts, RedeemResult, ReleaseTicketEntity } from '@spamfilter/persistence';
import request from 'supertest';
import { createFilterApp, type FilterApp } from '../bootstrap';
import { InMemoryPolicySource } from './policy.service';
import { MemoryQuarantineStore } from './quarantine.store';
import type { ReleaseTickets } from './release-tickets';

const SPAMMY = [
  'From: Deals <deals@promo.example.net>',
  'Reply-To: claims@other-host.example.biz',
  'Subject: act now',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'ACT NOW! limited time offer, 100% free, risk free! ========== earn money fast',
  '',
].join('\r\n');

/** Release tickets in memory: one redeemable ticket per token, bound to a body, a sender and recipients. */
class TestTickets implements ReleaseTickets {
  readonly tickets = new Map<string, ReleaseTicketEntity>();
  redeem(f: RedeemFacts): Promise<RedeemResult> {
    const t = this.tickets.get(f.token);
    if (!t) return Promise.resolve({ ok: false, problem: 'unknown' });
    if (t.usedAt) return Promise.resolve({ ok: false, problem: 'used' });
    if (t.bodyDigest !== f.bodyDigest) return Promise.resolve({ ok: false, problem: 'body' });
    t.usedAt = new Date();
    return Promise.resolve({ ok: true, ticket: t });
  }
  pendingFor(): Promise<boolean> {
    return Promise.resolve(false);
  }
  sweep(): Promise<number> {
    return Promise.resolve(0);
  }
}

const envelope = (rcpt: string, over: Record<string, string> = {}): Record<string, string> => ({
  [SCAN_HEADERS.clientIp]: '192.0.2.10',
  [SCAN_HEADERS.helo]: 'mail.promo.example.net',
  [SCAN_HEADERS.mailFrom]: 'deals@promo.example.net',
  [SCAN_HEADERS.rcptTo]: rcpt,
  [SCAN_HEADERS.direction]: 'inbound',
  'content-type': 'message/rfc822',
  ...over,
});

describe('quarantine in the scan (policy choice, held outbound mail, release tickets)', () => {
  let filter: FilterApp;
  const policies = new InMemoryPolicySource();
  const quarantine = new MemoryQuarantineStore();
  const tickets = new TestTickets();
  const scan = async (headers: Record<string, string>, raw = SPAMMY): Promise<ScanVerdict> =>
    (await request(filter.server).post('/v1/scan').set(headers).send(raw).expect(200)).body as ScanVerdict;

  beforeAll(async () => {
    // Low thresholds so the sample scores as spam on the embedded defaults (DNS off, no Bayes).
    policies.setDomain('example.net', { thresholds: { greylist: null, tag: 1, reject: 3 } });
    policies.setUser('keeper@example.net', { spamHandling: { tag: 'quarantine', reject: 'quarantine' } });
    policies.setDomain('remote.example', { outbound: { hold: 1, reject: 100 } });
    // A forced-action rule of kind quarantine, on a symbol the sample hits, with a score below tag.
    policies.setDomain('ruled.example', {
      thresholds: { greylist: null, tag: 50, reject: 100 },
      forcedActions: {
        foreign_reply_to: {
          symbol: 'REPLYTO_DIFF_FROM',
          action: 'quarantine',
          unless: [],
          reason: 'a foreign Reply-To',
        },
      },
    });
    filter = await createFilterApp(loadConfig({}), {
      policies,
      quarantine,
      tickets,
      scanLog: null,
      defaultMetrics: false,
    });
  });
  afterAll(async () => {
    await filter.close();
  });
  beforeEach(() => {
    quarantine.copies.length = 0;
  });

  it('keeps the spam of a recipient whose policy says quarantine and answers 250; a refusing recipient beside them is kept too', async () => {
    const v = await scan(envelope('keeper@example.net,bob@example.net'));
    expect(v.recipients.map((r) => [r.recipient, r.action, r.disposition])).toEqual([
      ['keeper@example.net', 'reject', 'quarantined'],
      ['bob@example.net', 'reject', 'quarantined'],
    ]);
    // Bob's policy refuses; Keeper's keeps: the message is accepted, so Bob's copy is kept too (one answer after DATA).
    expect(v.smtp.code).toBe(250);
    expect(v.delivery).toEqual({ outcome: 'deliver', copies: [] });
    expect(quarantine.copies.map((c) => [c.recipient, c.owner, c.direction])).toEqual([
      ['keeper@example.net', 'keeper@example.net', 'inbound'],
      ['bob@example.net', 'bob@example.net', 'inbound'],
    ]);
    expect(quarantine.copies[0]!.raw.toString()).toMatch(/^X-Spam-Reference: /);
  });

  it('keeps the copy when a forced-action rule asks for the quarantine (e.g. DMARC p=quarantine)', async () => {
    const v = await scan(envelope('ruled@ruled.example'));
    expect(v.recipients.map((r) => [r.action, r.disposition])).toEqual([['tag', 'quarantined']]);
    expect(v.smtp.code).toBe(250);
    expect(quarantine.copies.map((c) => c.recipient)).toEqual(['ruled@ruled.example']);
  });

  it('refuses as before when nobody keeps it', async () => {
    const v = await scan(envelope('bob@example.net'));
    expect(v.delivery.outcome).toBe('refuse');
    expect(v.smtp.code).toBe(550);
    expect(quarantine.copies).toEqual([]);
  });

  it('holds outbound mail as one copy for all its recipients, owned by the sending account, and sends nothing', async () => {
    const v = await scan(
      envelope('a@remote.example,b@remote.example', {
        [SCAN_HEADERS.direction]: 'outbound',
        [SCAN_HEADERS.authUser]: 'alice@example.net',
        [SCAN_HEADERS.mailFrom]: 'alice@example.net',
      }),
    );
    expect(v.recipients.map((r) => r.disposition)).toEqual(['held', 'held']);
    expect(v.delivery).toEqual({ outcome: 'deliver', copies: [] });
    expect(v.smtp.code).toBe(250);
    expect(quarantine.copies).toHaveLength(1);
    expect(quarantine.copies[0]).toMatchObject({
      direction: 'outbound',
      recipient: 'a@remote.example',
      rcptTo: ['a@remote.example', 'b@remote.example'],
      owner: 'alice@example.net',
    });
  });

  it('delivers a message with a redeemed ticket as released, to its recipients, under the original reference', async () => {
    const released = `${RELEASE_HEADER}: tok-1\r\n${SPAMMY}`;
    tickets.tickets.set('tok-1', {
      id: 't1',
      tokenHash: 'h',
      purpose: 'release',
      reference: '01JD8ZQ5X4ABCDEFGHJKMNPQRS',
      quarantineId: 'q1',
      bodyDigest: bodyDigest(Buffer.from(SPAMMY)),
      mailFrom: 'deals@promo.example.net',
      rcptTo: ['bob@example.net'],
      issuedBy: 'bob@example.net',
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 60_000),
      usedAt: null,
    });
    const v = await scan(envelope('bob@example.net'), released);
    expect(v).toMatchObject({
      reference: '01JD8ZQ5X4ABCDEFGHJKMNPQRS',
      action: 'accept',
      smtp: { code: 250 },
    });
    expect(v.recipients.map((r) => r.disposition)).toEqual(['released']);
    expect(v.delivery.copies).toEqual([
      {
        recipients: ['bob@example.net'],
        headers: [
          ['X-Spam-Reference', '01JD8ZQ5X4ABCDEFGHJKMNPQRS'],
          ['X-Spam-Status', 'No, released from the quarantine'],
          ['X-Spam-Released', 'bob@example.net'],
        ],
      },
    ]);
    // Once: the same ticket again is scanned like any mail, and the record says why.
    const again = await scan(envelope('bob@example.net'), released);
    expect(again.delivery.outcome).toBe('refuse');
    expect(again.symbols.find((s) => s.name === 'RELEASE_TICKET_INVALID')?.options).toEqual(['used']);
  });

  it('a forged or foreign ticket buys nothing', async () => {
    const v = await scan(envelope('bob@example.net'), `${RELEASE_HEADER}: guessed\r\n${SPAMMY}`);
    expect(v.delivery.outcome).toBe('refuse');
    expect(v.symbols.find((s) => s.name === 'RELEASE_TICKET_INVALID')?.options).toEqual(['unknown']);
  });
});
