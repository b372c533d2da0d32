import {
  DEFAULT_POLICY,
  forcedActionFor,
  mergePolicy,
  parsePolicyLayer,
  resolvePolicy,
  validatePolicy,
} from './index';

const known = new Set([
  'GTUBE',
  'DMARC_POLICY_REJECT',
  'DMARC_POLICY_QUARANTINE',
  'USER_ALLOW',
  'DOMAIN_ALLOW',
  'GLOBAL_ALLOW',
  'ARC_TRUSTED_PASS',
  'MISSING_SUBJECT',
]);
const hit = (name: string, ...options: string[]) => ({ name, options });

describe('forcedActionFor (the default rules)', () => {
  it('refuses a DMARC p=reject failure whatever the score, naming the rule and the domain', () => {
    const f = forcedActionFor(
      [hit('DMARC_POLICY_REJECT', 'bank.example', 'p=reject')],
      DEFAULT_POLICY,
      'inbound',
    );
    expect(f).toMatchObject({
      rule: 'dmarc_reject',
      action: 'reject',
      kind: 'reject',
      symbol: 'DMARC_POLICY_REJECT',
      detail: 'bank.example',
    });
  });

  it('tags a p=quarantine failure (the plan cannot quarantine a lone recipient yet) and says it was a quarantine', () => {
    expect(
      forcedActionFor([hit('DMARC_POLICY_QUARANTINE', 'x.example')], DEFAULT_POLICY, 'inbound'),
    ).toMatchObject({ action: 'tag', kind: 'quarantine' });
  });

  it.each(['USER_ALLOW', 'DOMAIN_ALLOW', 'GLOBAL_ALLOW', 'ARC_TRUSTED_PASS'])(
    'lets %s override a DMARC reject',
    (override) => {
      expect(
        forcedActionFor(
          [hit('DMARC_POLICY_REJECT', 'bank.example'), hit(override)],
          DEFAULT_POLICY,
          'inbound',
        ),
      ).toBeNull();
    },
  );

  it('rejects GTUBE even with an allow-list entry, and picks the strongest of several rules', () => {
    expect(forcedActionFor([hit('GTUBE'), hit('USER_ALLOW')], DEFAULT_POLICY, 'inbound')).toMatchObject({
      rule: 'gtube',
      action: 'reject',
    });
    expect(
      forcedActionFor([hit('DMARC_POLICY_QUARANTINE'), hit('GTUBE')], DEFAULT_POLICY, 'inbound'),
    ).toMatchObject({ rule: 'gtube' });
  });

  it('does nothing outbound or without a triggering symbol', () => {
    expect(forcedActionFor([hit('DMARC_POLICY_REJECT')], DEFAULT_POLICY, 'outbound')).toBeNull();
    expect(forcedActionFor([hit('MISSING_SUBJECT')], DEFAULT_POLICY, 'inbound')).toBeNull();
  });
});

describe('forced actions as layered policy', () => {
  it('a domain layer downgrades reject to quarantine for its recipients only; a user picks tag', () => {
    const domain = resolvePolicy(
      DEFAULT_POLICY,
      [{ source: 'domain x.test', layer: { forcedActions: { dmarc_reject: { action: 'quarantine' } } } }],
      known,
    );
    expect(forcedActionFor([hit('DMARC_POLICY_REJECT')], domain, 'inbound')).toMatchObject({
      action: 'tag',
      kind: 'quarantine',
      rule: 'dmarc_reject',
    });
    expect(domain.forcedActions.dmarc_reject.unless).toEqual(
      DEFAULT_POLICY.forcedActions.dmarc_reject.unless,
    );
    const user = resolvePolicy(
      DEFAULT_POLICY,
      [{ source: 'user b@x.test', layer: { forcedActions: { dmarc_quarantine: { action: 'tag' } } } }],
      known,
    );
    expect(forcedActionFor([hit('DMARC_POLICY_QUARANTINE')], user, 'inbound')).toMatchObject({
      action: 'tag',
      kind: 'tag',
    });
    const off = mergePolicy(DEFAULT_POLICY, [{ forcedActions: { dmarc_reject: { action: 'off' } } }]);
    expect(forcedActionFor([hit('DMARC_POLICY_REJECT')], off, 'inbound')).toBeNull();
  });

  it('adds a new rule only when it is complete, with known symbols', () => {
    const ok = resolvePolicy(
      DEFAULT_POLICY,
      [
        {
          source: 'global',
          layer: {
            forcedActions: {
              no_subject: { symbol: 'MISSING_SUBJECT', action: 'tag', unless: [], reason: 'no subject' },
            },
          },
        },
      ],
      known,
    );
    expect(forcedActionFor([hit('MISSING_SUBJECT')], ok, 'inbound')).toMatchObject({
      rule: 'no_subject',
      action: 'tag',
    });
    expect(
      validatePolicy(
        mergePolicy(DEFAULT_POLICY, [{ forcedActions: { half: { action: 'reject' } } }]),
        known,
      ).join(),
    ).toMatch(/forcedActions.half: a new rule needs symbol, unless, reason/);
    const bad = parsePolicyLayer(
      { forcedActions: { dmarc_reject: { unless: ['NO_SUCH'], action: 'drop' }, 'Bad-Name': {} } },
      known,
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.message).toMatch(/forcedActions.dmarc_reject.action/);
    expect(bad.error.message).toMatch(/rule names are lower_snake/);
    const unknown = parsePolicyLayer({ forcedActions: { dmarc_reject: { unless: ['NO_SUCH'] } } }, known);
    expect(unknown.ok ? '' : unknown.error.message).toMatch(
      /forcedActions.dmarc_reject: unknown symbol NO_SUCH/,
    );
  });

  it('the shipped rules are valid', () => {
    expect(validatePolicy(DEFAULT_POLICY, known)).toEqual([]);
  });
});
