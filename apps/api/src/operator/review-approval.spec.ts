import {
  allowedSender,
  allowExpiry,
  outboundAccountOf,
  refusedRecipient,
  requirementFor,
  senderDomainOf,
} from './review-approval';

describe('review approval rules', () => {
  it('finds the outbound account as the filter does: the AUTH user, else the envelope sender', () => {
    expect(outboundAccountOf({ authUser: 'Alice@Example.net', mailFrom: 'list-bounce@example.net' })).toBe(
      'alice@example.net',
    );
    expect(outboundAccountOf({ authUser: null, mailFrom: 'Alice@Example.net' })).toBe('alice@example.net');
    expect(outboundAccountOf({ authUser: ' ', mailFrom: '' })).toBeNull();
  });

  it('scopes to the one refused recipient, or the one the operator names among the refused', () => {
    const scan = {
      recipients: [
        { recipient: 'Bob@example.net', action: 'reject' as const },
        { recipient: 'carol@example.net', action: 'accept' as const },
      ],
    };
    expect(refusedRecipient(scan, undefined)).toEqual({ ok: true, value: 'bob@example.net' });
    expect(refusedRecipient(scan, 'BOB@example.net')).toEqual({ ok: true, value: 'bob@example.net' });
    // a recipient that accepted the message (or any other address) cannot be chosen
    expect(refusedRecipient(scan, 'carol@example.net')).toMatchObject({
      ok: false,
      problem: { status: 400 },
    });
    const two = {
      recipients: [...scan.recipients, { recipient: 'dave@example.org', action: 'reject' as const }],
    };
    const r = refusedRecipient(two, undefined);
    expect(r).toMatchObject({ ok: false, problem: { status: 400 } });
    expect(!r.ok && r.problem.message).toContain('bob@example.net, dave@example.org');
    expect(
      refusedRecipient({ recipients: [{ recipient: 'x@example.net', action: 'tag' }] }, undefined),
    ).toMatchObject({ ok: false, problem: { status: 409 } });
  });

  it('allows the refused envelope sender, the client IP for a bounce, or what the operator chose', () => {
    expect(allowedSender({ mailFrom: 'News@Shop.example', clientIp: '192.0.2.4' }, {})).toEqual({
      matchType: 'address',
      value: 'news@shop.example',
    });
    expect(allowedSender({ mailFrom: '', clientIp: '192.0.2.4' }, {})).toEqual({
      matchType: 'ip',
      value: '192.0.2.4',
    });
    expect(
      allowedSender(
        { mailFrom: 'news@shop.example', clientIp: '192.0.2.4' },
        { matchType: 'domain', value: 'Shop.example' },
      ),
    ).toEqual({
      matchType: 'domain',
      value: 'shop.example',
    });
  });

  it('requires an aligned DMARC/SPF pass exactly when the sender is in a hosted domain', () => {
    expect(senderDomainOf('address', 'alice@Example.net')).toBe('example.net');
    expect(senderDomainOf('domain', 'example.net')).toBe('example.net');
    expect(senderDomainOf('ip', '192.0.2.4')).toBeNull();
    expect(senderDomainOf('cidr', '192.0.2.0/24')).toBeNull();
    expect(requirementFor(['example.net'])).toBe('aligned_auth');
    expect(requirementFor([])).toBeNull();
  });

  it('expires after the default or sooner, never later', () => {
    const now = new Date('2026-11-01T00:00:00Z');
    expect(allowExpiry(now, 30, undefined)).toEqual({ ok: true, value: new Date('2026-12-01T00:00:00Z') });
    expect(allowExpiry(now, 30, 7)).toEqual({ ok: true, value: new Date('2026-11-08T00:00:00Z') });
    expect(allowExpiry(now, 30, 31)).toMatchObject({ ok: false, problem: { status: 400 } });
  });
});
