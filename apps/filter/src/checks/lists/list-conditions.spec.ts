import type { SymbolHit } from '@spamfilter/domain';
import { applyListConditions, needsFor, unverifiedAllow } from './list-conditions';

const alice = 'allow:address:alice@example.net';
const conditional = (needs: ReturnType<typeof needsFor>): SymbolHit =>
  unverifiedAllow(alice, 'USER_ALLOW', needs, ['bob@example.net']);
const spfPass = (domain: string): SymbolHit => ({ name: 'R_SPF_ALLOW', options: [domain] });
const dmarcPass = (orgDomain: string): SymbolHit => ({
  name: 'DMARC_POLICY_ALLOW',
  options: [orgDomain, 'p=reject'],
});

describe('applyListConditions', () => {
  it('leaves hits alone when nothing is conditional (the same array: no work per scan)', () => {
    const hits: SymbolHit[] = [{ name: 'USER_ALLOW', options: [alice] }, spfPass('example.net')];
    expect(applyListConditions(hits)).toBe(hits);
  });

  it('applies the allow when SPF passed for the MAIL FROM domain the entry matched', () => {
    const out = applyListConditions([
      conditional(needsFor([{ role: 'mail_from', domain: 'example.net' }])),
      spfPass('example.net'),
    ]);
    expect(out[0]).toEqual({
      name: 'USER_ALLOW',
      options: [alice, 'spf:example.net'],
      recipients: ['bob@example.net'],
    });
  });

  it('applies the allow when DMARC passed for the From domain (organizational domain in the DMARC hit)', () => {
    const need = needsFor([{ role: 'from', domain: 'mail.example.net' }]);
    expect(applyListConditions([conditional(need), dmarcPass('example.net')])[0]).toMatchObject({
      name: 'USER_ALLOW',
      options: [alice, 'dmarc:mail.example.net'],
    });
    expect(
      applyListConditions([
        conditional(needsFor([{ role: 'from', domain: 'example.net' }])),
        dmarcPass('example.net'),
      ])[0]?.name,
    ).toBe('USER_ALLOW');
  });

  it('keeps it unapplied for a forged sender: no pass, a pass for another domain, or the wrong kind of pass', () => {
    const viaMailFrom = conditional(needsFor([{ role: 'mail_from', domain: 'example.net' }]));
    const viaFrom = conditional(needsFor([{ role: 'from', domain: 'example.net' }]));
    const cases: SymbolHit[][] = [
      [viaMailFrom, { name: 'R_SPF_FAIL', options: ['example.net'] }, { name: 'DMARC_NA' }],
      [viaMailFrom, spfPass('attacker.example')],
      [
        viaFrom,
        spfPass('attacker.example'),
        { name: 'DMARC_POLICY_SOFTFAIL', options: ['example.net', 'p=none'] },
      ],
      // the header claims our customer; SPF passed only for the envelope, which the entry did not match
      [viaFrom, spfPass('example.net')],
      [viaFrom, dmarcPass('notexample.net')],
      [viaMailFrom, { name: 'AUTH_TEMPFAIL', options: ['timeout after 1000 ms'] }],
    ];
    for (const hits of cases) {
      const out = applyListConditions(hits);
      expect(out[0]).toBe(hits[0]);
      expect(
        out.some(
          (h) => h.name.endsWith('_ALLOW') && h.name !== 'R_SPF_ALLOW' && h.name !== 'DMARC_POLICY_ALLOW',
        ),
      ).toBe(false);
    }
  });

  it('applies when either claimed identity verifies, and never promotes to a symbol that is not an allow', () => {
    const both = conditional(
      needsFor([
        { role: 'mail_from', domain: 'example.net' },
        { role: 'from', domain: 'example.net' },
      ]),
    );
    expect(applyListConditions([both, dmarcPass('example.net')])[0]?.options).toEqual([
      alice,
      'dmarc:example.net',
    ]);
    const bogus = unverifiedAllow(alice, 'USER_BLOCK', ['spf:example.net']);
    expect(applyListConditions([bogus, spfPass('example.net')])[0]).toBe(bogus);
  });
});
