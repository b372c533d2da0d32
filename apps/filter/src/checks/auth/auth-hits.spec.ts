import type { SymbolHit } from '@spamfilter/domain';
import { authHits, dkimOutcome, type AuthOutcome } from './auth-hits';

const row = (result: string, extra: Record<string, unknown> = {}, rr?: string) => ({
  signingDomain: 'Bank.Example',
  rr,
  status: { result, ...extra },
});

describe('dkimOutcome (mailauth 7.1 results in RFC 8601 terms)', () => {
  it('passes, and keeps the bytes after l= as the unsigned tail', () => {
    expect(dkimOutcome(row('pass'))).toEqual({
      result: 'pass',
      domain: 'bank.example',
      reason: null,
      unsignedTail: 0,
    });
    expect(dkimOutcome(row('pass', { underSized: 27 })).unsignedTail).toBe(27);
  });

  it('fails rsa-sha1 (RFC 8301 §3.1), a bad signature and a body hash mismatch', () => {
    expect(
      dkimOutcome(row('policy', { comment: 'weak algorithm', policy: { 'dkim-rules': 'weak-algorithm' } })),
    ).toMatchObject({ result: 'fail', reason: 'rsa-sha1' });
    expect(dkimOutcome(row('fail', { comment: 'bad signature' }))).toMatchObject({
      result: 'fail',
      reason: 'bad signature',
    });
    expect(dkimOutcome(row('neutral', { comment: 'body hash did not verify' }))).toMatchObject({
      result: 'fail',
    });
  });

  it('makes a missing key, a revoked key and a short key permerror, not a failed signature', () => {
    expect(dkimOutcome(row('neutral', { comment: 'no key' }))).toMatchObject({
      result: 'permerror',
      reason: 'no key',
    });
    expect(dkimOutcome(row('neutral', { comment: 'invalid public key' }, 'v=DKIM1;k=rsa;p='))).toMatchObject({
      result: 'permerror',
      reason: 'key revoked',
    });
    expect(
      dkimOutcome(row('neutral', { comment: 'invalid public key' }, 'v=DKIM1;k=rsa;p=AAAA')),
    ).toMatchObject({ result: 'permerror', reason: 'invalid public key' });
    expect(dkimOutcome(row('policy', { policy: { 'dkim-rules': 'weak-key' } }))).toMatchObject({
      result: 'permerror',
      reason: 'weak-key',
    });
    expect(dkimOutcome(row('temperror', { comment: 'DNS failure: ETIMEOUT' }))).toMatchObject({
      result: 'temperror',
    });
  });
});

const base: AuthOutcome = {
  spf: { result: 'pass', domain: 'bank.example' },
  dkim: [],
  dmarc: { kind: 'none', domain: null },
  arc: { result: 'none', instance: null, comment: null, trusted: null },
};
const names = (hits: SymbolHit[]) => hits.map((h) => h.name);

describe('authHits', () => {
  it('reports each DKIM result with its reason, and the unsigned tail as its own symbol', () => {
    const hits = authHits({
      ...base,
      dkim: [
        { result: 'pass', domain: 'bank.example', reason: null, unsignedTail: 27 },
        { result: 'fail', domain: 'old.example', reason: 'rsa-sha1', unsignedTail: 0 },
        { result: 'permerror', domain: 'gone.example', reason: 'no key', unsignedTail: 0 },
      ],
    });
    expect(hits).toEqual(
      expect.arrayContaining([
        { name: 'R_DKIM_ALLOW', options: ['bank.example'] },
        { name: 'R_DKIM_REJECT', options: ['old.example (rsa-sha1)'] },
        { name: 'R_DKIM_PERMFAIL', options: ['gone.example (no key)'] },
        { name: 'DKIM_UNSIGNED_BODY_TAIL', options: ['bank.example +27 bytes'] },
      ]),
    );
    expect(names(hits)).not.toContain('R_DKIM_NA');
  });

  it('names the DMARC symbol by the policy enacted, and shows the published one and why they differ', () => {
    const fail = (applied: 'reject' | 'quarantine' | 'none', pct = 100, authorDomains = 1) =>
      authHits({
        ...base,
        dmarc: { kind: 'fail', domain: 'bank.example', published: 'reject', applied, pct, authorDomains },
      });
    expect(fail('reject')).toContainEqual({
      name: 'DMARC_POLICY_REJECT',
      options: ['bank.example', 'p=reject'],
    });
    expect(fail('quarantine', 0, 2)).toContainEqual({
      name: 'DMARC_POLICY_QUARANTINE',
      options: ['bank.example', 'p=reject', 'pct=0: quarantine', '2 author domains'],
    });
    expect(names(fail('none', 0))).toContain('DMARC_POLICY_SOFTFAIL');
  });

  it('reports a trusted sealer’s recorded pass next to ARC_ALLOW', () => {
    const hits = authHits({
      ...base,
      arc: {
        result: 'pass',
        instance: 2,
        comment: null,
        trusted: { sealer: 'lists.example', from: 'bank.example' },
      },
    });
    expect(hits).toEqual(
      expect.arrayContaining([
        { name: 'ARC_ALLOW', options: ['i=2'] },
        { name: 'ARC_TRUSTED_PASS', options: ['lists.example', 'dmarc=pass header.from=bank.example'] },
      ]),
    );
  });
});
