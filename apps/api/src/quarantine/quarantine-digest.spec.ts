import { DEFAULT_PARSE_LIMITS, parseMessageSafe } from '@spamfilter/mail';
import { composeDigest } from './quarantine-digest';

describe('composeDigest', () => {
  const now = new Date('2026-11-22T07:00:00Z');
  const { raw, reference } = composeDigest({
    to: 'bob@example.net',
    from: 'postmaster@example.net',
    now,
    random: new Uint8Array(10).fill(7),
    total: 3,
    manageHint: 'GET /v1/quarantine',
    lines: [
      {
        id: 'q1',
        createdAt: new Date('2026-11-22T06:00:00Z'),
        from: 'Deals <deals@promo.example>',
        mailFrom: 'deals@promo.example',
        subject: 'You won\r\nBcc: everyone@example.net',
        reason: 'refused as spam: score 16',
        direction: 'inbound',
      },
      {
        id: 'q2',
        createdAt: new Date('2026-11-22T05:00:00Z'),
        from: null,
        mailFrom: '',
        subject: null,
        reason: 'tagged as spam',
        direction: 'inbound',
      },
    ],
  });
  const parsed = parseMessageSafe(raw, DEFAULT_PARSE_LIMITS);

  it('is a plain-text message to the user with a new reference', () => {
    expect(parsed.subject).toBe('Quarantine digest: 3 messages held for you');
    expect(parsed.to.map((a) => a.address)).toEqual(['bob@example.net']);
    expect(reference).toMatch(/^[0-9A-Z]{26}$/);
    expect(parsed.headers.find((h) => h.name === 'auto-submitted')?.value).toBe('auto-generated');
  });

  it('lists each copy on its own lines, with no header injection from a subject, and counts the rest', () => {
    expect(parsed.text).toContain('You won Bcc: everyone@example.net');
    expect(parsed.text).toContain('[q1]');
    expect(parsed.text).toContain('(no subject)');
    expect(parsed.text).toContain('… and 1 more.');
    expect(parsed.headers.filter((h) => h.name === 'bcc')).toEqual([]);
    for (const line of raw.toString('latin1').split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
  });
});
