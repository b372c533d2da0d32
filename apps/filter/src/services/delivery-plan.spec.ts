import type { Action } from '@spamfilter/domain';
import { planDelivery, type PlanInput } from './delivery-plan';

const input = (
  actions: Record<string, Action>,
  direction: 'inbound' | 'outbound' = 'inbound',
  scores: Record<string, number> = {},
): PlanInput => ({
  direction,
  reference: 'R1',
  recipients: Object.entries(actions).map(([recipient, action]) => ({
    recipient,
    action,
    score: scores[recipient] ?? 7,
    tagThreshold: 6,
    symbols: [],
  })),
  shared: [
    { name: 'REPLYTO_DIFF_FROM', group: 'content', description: '', weight: 1, score: 1, options: [] },
  ],
  messageHeaders: [['Authentication-Results', 'mx.example; spf=pass']],
});

describe('planDelivery', () => {
  it('one recipient accepted: one copy with its headers and the message-level headers', () => {
    const { delivery, dispositions } = planDelivery(
      input({ 'bob@example.net': 'accept' }, 'inbound', { 'bob@example.net': 1 }),
    );
    expect(delivery.outcome).toBe('deliver');
    expect(dispositions).toEqual(['delivered']);
    expect(delivery.copies).toEqual([
      {
        recipients: ['bob@example.net'],
        headers: [
          ['X-Spam-Reference', 'R1'],
          ['X-Spam-Score', '1.00'],
          ['X-Spam-Status', 'No, score=1.00 required=6.00 action=accept'],
          ['X-Spam-Symbols', 'REPLYTO_DIFF_FROM(1.00)'],
          ['Authentication-Results', 'mx.example; spf=pass'],
        ],
      },
    ]);
  });

  it('recipients with different verdicts get different copies, and no header of any copy names a recipient', () => {
    const { delivery, dispositions } = planDelivery(
      input(
        { 'bob@example.net': 'accept', 'hidden-bcc@example.net': 'tag', 'carol@example.net': 'accept' },
        'inbound',
        { 'hidden-bcc@example.net': 9, 'bob@example.net': 1, 'carol@example.net': 1 },
      ),
    );
    expect(dispositions).toEqual(['delivered', 'tagged', 'delivered']);
    expect(delivery.copies.map((c) => c.recipients)).toEqual([
      ['bob@example.net', 'carol@example.net'],
      ['hidden-bcc@example.net'],
    ]);
    expect(delivery.copies[1].headers).toContainEqual(['X-Spam-Flag', 'YES']);
    const text = delivery.copies.flatMap((c) => c.headers.map(([k, v]) => `${k}: ${v}`)).join('\n');
    expect(text).not.toMatch(/bob|carol|hidden-bcc/);
  });

  it('a recipient whose policy rejects while another accepts is quarantined, not delivered and not bounced', () => {
    const { delivery, dispositions } = planDelivery(
      input({ 'bob@example.net': 'accept', 'dan@strict.example': 'reject' }),
    );
    expect(delivery.outcome).toBe('deliver');
    expect(dispositions).toEqual(['delivered', 'quarantined']);
    expect(delivery.copies.flatMap((c) => c.recipients)).toEqual(['bob@example.net']);
  });

  it('any greylisted recipient defers the whole message (nothing delivered now, nothing twice later)', () => {
    const { delivery, dispositions } = planDelivery(
      input({ 'bob@example.net': 'accept', 'eve@grey.example': 'greylist' }),
    );
    expect(delivery).toEqual({ outcome: 'tempfail', copies: [] });
    expect(dispositions).toEqual(['deferred', 'deferred']);
  });

  it('nobody deliverable: refused', () => {
    expect(planDelivery(input({ 'a@example.net': 'reject', 'b@example.net': 'reject' }))).toEqual({
      delivery: { outcome: 'refuse', copies: [] },
      dispositions: ['refused', 'refused'],
    });
  });

  it('outbound: the most severe action applies to every recipient', () => {
    expect(
      planDelivery(input({ 'x@a.example': 'accept', 'y@b.example': 'block' }, 'outbound')).delivery.outcome,
    ).toBe('refuse');
    const held = planDelivery(input({ 'x@a.example': 'accept', 'y@b.example': 'hold' }, 'outbound'));
    // Held: accepted, kept by the filter for review (one stored copy), nothing sent.
    expect(held).toEqual({ delivery: { outcome: 'deliver', copies: [] }, dispositions: ['held', 'held'] });
  });

  it("a recipient whose policy quarantines spam keeps their copy instead of Junk or a refusal; the others' copies go on", () => {
    const planned = input(
      { 'bob@example.net': 'tag', 'carol@example.net': 'tag', 'dan@example.net': 'reject' },
      'inbound',
    );
    const withChoice: PlanInput = {
      ...planned,
      recipients: planned.recipients.map((r) => ({ ...r, quarantine: r.recipient !== 'carol@example.net' })),
    };
    const { delivery, dispositions } = planDelivery(withChoice);
    expect(dispositions).toEqual(['quarantined', 'tagged', 'quarantined']);
    expect(delivery.outcome).toBe('deliver');
    expect(delivery.copies.map((c) => c.recipients)).toEqual([['carol@example.net']]);
  });

  it('everyone quarantined by choice: accepted (250), nothing delivered — not refused', () => {
    const planned = input({ 'dan@example.net': 'reject' });
    const { delivery, dispositions } = planDelivery({
      ...planned,
      recipients: planned.recipients.map((r) => ({ ...r, quarantine: true })),
    });
    expect(delivery).toEqual({ outcome: 'deliver', copies: [] });
    expect(dispositions).toEqual(['quarantined']);
  });

  it('the quarantine choice is inbound only: outbound ignores it', () => {
    const planned = input({ 'x@a.example': 'reject' }, 'outbound');
    expect(
      planDelivery({ ...planned, recipients: planned.recipients.map((r) => ({ ...r, quarantine: true })) })
        .delivery.outcome,
    ).toBe('refuse');
  });
});
