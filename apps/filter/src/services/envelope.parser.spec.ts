import { parseEnvelope } from './envelope.parser';

const ok = {
  'x-client-ip': '2001:db8::1',
  'x-helo': '[IPv6:2001:db8::1]',
  'x-mail-from': '<>',
  'x-rcpt-to': '<Bob@Example.COM>, bob@example.com',
  'x-direction': 'outbound',
  'x-auth-user': 'bob',
  'x-queue-id': 'ABC.123',
};

describe('parseEnvelope', () => {
  it('normalises a valid envelope: null sender, brackets, domain case, duplicates', () => {
    const r = parseEnvelope(ok, { maxRecipients: 10 });
    expect(r).toEqual({
      ok: true,
      envelope: {
        clientIp: '2001:db8::1',
        helo: '[IPv6:2001:db8::1]',
        mailFrom: '',
        rcptTo: ['Bob@example.com', 'bob@example.com'],
        direction: 'outbound',
        authUser: 'bob',
        queueId: 'ABC.123',
      },
    });
  });

  it('refuses a NUL or LF in any envelope field', () => {
    expect(parseEnvelope({ ...ok, 'x-auth-user': 'bob\nBcc: x' }, { maxRecipients: 10 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/x-auth-user contains a control character/),
    });
    expect(parseEnvelope({ ...ok, 'x-queue-id': 'a\u0000' }, { maxRecipients: 10 }).ok).toBe(false);
  });

  it('defaults the direction to inbound and refuses a queue id with odd characters', () => {
    const { 'x-direction': _d, ...rest } = ok;
    const r = parseEnvelope(rest, { maxRecipients: 10 });
    expect(r.ok && r.envelope.direction).toBe('inbound');
    expect(parseEnvelope({ ...ok, 'x-queue-id': 'a b' }, { maxRecipients: 10 }).ok).toBe(false);
  });

  it('keeps the RFC 7208 suite’s odd HELOs and MAIL FROMs as given, for the checks to score', () => {
    // nolocalpart, dorky-sentinel, invalid-hello-macro, invalid-domain-long-via-macro: once answered with a 400
    for (const [helo, from] of [
      ['mail.example.net', '@example.net'],
      ['mail.example.net', 'Macro Error@e8.example.com'],
      ["JUMPIN' JUPITER", 'test@e2.example.com'],
      ['%%%%%%%%%%%%%%%%%%%%%%', 'test@e1.example.com'],
    ]) {
      const r = parseEnvelope({ ...ok, 'x-helo': helo, 'x-mail-from': from }, { maxRecipients: 10 });
      expect(r).toMatchObject({ ok: true, envelope: { helo, mailFrom: from } });
    }
  });

  it('takes the connect check (client IP alone) only where the caller allows it', () => {
    const connect = { 'x-client-ip': '192.0.2.7', 'x-direction': 'inbound' };
    expect(parseEnvelope(connect, { maxRecipients: 1 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/x-mail-from is required/),
    });
    expect(
      parseEnvelope(connect, { maxRecipients: 1, requireRecipients: false, requireMailFrom: false }),
    ).toEqual({
      ok: true,
      envelope: { clientIp: '192.0.2.7', helo: '', mailFrom: '', rcptTo: [], direction: 'inbound' },
    });
  });
});
