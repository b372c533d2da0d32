import {
  authorDomains,
  decideDmarc,
  dmarcPct,
  dmarcSample,
  enactedPolicy,
  type DomainDmarc,
} from './dmarc-policy';

const from = (...values: string[]) => values.map((value) => ({ name: 'from', value }));

describe('authorDomains (RFC 7489 §6.6.1)', () => {
  it('takes every address of every From field, unique, lower-cased, without the root dot', () => {
    expect(authorDomains(from('Ann <ann@Bank.Example.>, bob@other.example'))).toEqual([
      'bank.example',
      'other.example',
    ]);
    expect(
      authorDomains([
        ...from('ann@bank.example'),
        { name: 'to', value: 'x@y.example' },
        ...from('eve@evil.example'),
      ]),
    ).toEqual(['bank.example', 'evil.example']);
    expect(authorDomains(from('a@bank.example, b@bank.example'))).toEqual(['bank.example']);
  });

  it('has none for an address without a usable domain', () => {
    expect(authorDomains(from('undisclosed-recipients:;'))).toEqual([]);
    expect(authorDomains(from('root@localhost'))).toEqual([]);
  });
});

describe('pct= (RFC 7489 §6.3, §6.6.4)', () => {
  it('reads pct, 100 when absent or malformed', () => {
    expect(dmarcPct('v=DMARC1; p=reject; pct=0')).toBe(0);
    expect(dmarcPct('v=DMARC1; p=reject; PCT = 25 ;rua=mailto:x@y')).toBe(25);
    expect(dmarcPct('v=DMARC1; p=reject')).toBe(100);
    expect(dmarcPct('v=DMARC1; p=reject; pct=abc')).toBe(100);
    expect(dmarcPct('v=DMARC1; p=reject; pct=150')).toBe(100);
  });

  it('enacts the next policy down for messages the sample leaves out; pct=0 always', () => {
    for (let s = 0; s < 100; s += 33) {
      expect(enactedPolicy('reject', 0, s)).toBe('quarantine');
      expect(enactedPolicy('quarantine', 0, s)).toBe('none');
      expect(enactedPolicy('reject', 100, s)).toBe('reject');
    }
    expect(enactedPolicy('reject', 50, 49)).toBe('reject');
    expect(enactedPolicy('reject', 50, 50)).toBe('quarantine');
  });

  it('samples the same message the same way (a retry after greylisting gets the same verdict)', () => {
    const m = { messageId: '<a@b>', subject: 'x', date: '2026-01-01T00:00:00.000Z' };
    expect(dmarcSample(m, 'bank.example')).toBe(dmarcSample({ ...m }, 'bank.example'));
    const values = new Set(
      Array.from({ length: 50 }, (_, i) => dmarcSample({ ...m, messageId: `<${i}@b>` }, 'bank.example')),
    );
    expect(values.size).toBeGreaterThan(20);
    for (const v of values) expect(v >= 0 && v < 100).toBe(true);
  });
});

describe('decideDmarc', () => {
  const r = (
    domain: string,
    result: DomainDmarc['result'],
    policy: DomainDmarc['policy'] = 'none',
    pct = 100,
  ): DomainDmarc => ({ domain, result, policy, pct });

  it('applies the strictest policy among the failing Author Domains', () => {
    expect(
      decideDmarc(
        [r('a.example', 'fail', 'none'), r('b.example', 'fail', 'reject'), r('c.example', 'pass', 'reject')],
        0,
      ),
    ).toEqual({
      kind: 'fail',
      domain: 'b.example',
      published: 'reject',
      applied: 'reject',
      pct: 100,
      authorDomains: 3,
    });
  });

  it('fails when one of two From domains fails even though the other passes (a valid DKIM signature of one domain)', () => {
    expect(
      decideDmarc([r('signed.example', 'pass', 'none'), r('bank.example', 'fail', 'reject')], 0),
    ).toMatchObject({ kind: 'fail', domain: 'bank.example' });
  });

  it('lowers by pct, and then compares the lowered policies', () => {
    expect(decideDmarc([r('a.example', 'fail', 'reject', 0)], 10)).toMatchObject({
      kind: 'fail',
      published: 'reject',
      applied: 'quarantine',
    });
    expect(
      decideDmarc([r('a.example', 'fail', 'reject', 0), r('b.example', 'fail', 'reject')], 10),
    ).toMatchObject({ domain: 'b.example', applied: 'reject' });
  });

  it('temperror before pass, pass before none, none when nothing is published', () => {
    expect(decideDmarc([r('a.example', 'pass', 'reject'), r('b.example', 'temperror', null)], 0)).toEqual({
      kind: 'temperror',
      domain: 'b.example',
    });
    expect(decideDmarc([r('a.example', 'none', null), r('b.example', 'pass', 'quarantine')], 0)).toEqual({
      kind: 'pass',
      domain: 'b.example',
      published: 'quarantine',
    });
    expect(decideDmarc([r('a.example', 'none', null)], 0)).toEqual({ kind: 'none', domain: 'a.example' });
    expect(decideDmarc([], 0)).toEqual({ kind: 'none', domain: null });
  });
});
