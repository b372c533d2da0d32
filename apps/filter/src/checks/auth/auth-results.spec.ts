import { authHits, type AuthOutcome } from './auth-hits';
import { authResultsValue } from './auth-results';

const base: AuthOutcome = {
  spf: { result: 'pass', domain: 'bank.example' },
  dkim: [],
  dmarc: { kind: 'none', domain: null },
  arc: { result: 'none', instance: null, comment: null, trusted: null },
};

describe('authResultsValue (RFC 8601)', () => {
  const facts = { authservId: 'mx.ours.example', mailFrom: 'news@bank.example', helo: 'mail.bank.example' };

  it('writes spf, dkim, dmarc and arc under our authserv-id', () => {
    const hits = authHits({
      ...base,
      dkim: [
        { result: 'pass', domain: 'bank.example', reason: null, unsignedTail: 12 },
        { result: 'permerror', domain: 'gone.example', reason: 'no key', unsignedTail: 0 },
      ],
      dmarc: {
        kind: 'fail',
        domain: 'bank.example',
        published: 'reject',
        applied: 'reject',
        pct: 100,
        authorDomains: 1,
      },
      arc: { result: 'fail', instance: 1, comment: 'i=1 no arc-seal set', trusted: null },
    });
    expect(authResultsValue(facts, hits)).toBe(
      'mx.ours.example; spf=pass smtp.mailfrom=news@bank.example; dkim=pass (unsigned body tail after l=) header.d=bank.example; ' +
        'dkim=permerror (no key) header.d=gone.example; dmarc=fail (p=REJECT) header.from=bank.example; arc=fail',
    );
  });

  it('uses smtp.helo for the null sender, the domain for an unusual local part, none for no signature', () => {
    const hits = authHits({ ...base, spf: { result: 'none', domain: 'mail.bank.example' } });
    expect(authResultsValue({ ...facts, mailFrom: '' }, hits)).toBe(
      'mx.ours.example; spf=none smtp.helo=mail.bank.example; dkim=none; dmarc=none; arc=none',
    );
    expect(authResultsValue({ ...facts, mailFrom: '"a;b"@bank.example' }, hits)).toContain(
      'smtp.mailfrom=bank.example;',
    );
  });

  it('says temperror for every method when the check itself failed', () => {
    expect(authResultsValue(facts, [{ name: 'AUTH_TEMPFAIL' }])).toBe(
      'mx.ours.example; spf=temperror smtp.mailfrom=news@bank.example; dkim=temperror; dmarc=temperror; arc=temperror',
    );
  });
});
