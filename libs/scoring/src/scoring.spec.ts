import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import {
  quarantinesFor,
  DEFAULT_POLICY,
  DEFAULT_WEIGHTS,
  PolicyError,
  SymbolRegistry,
  actionForScore,
  inGreylistBand,
  mergePolicy,
  overallAction,
  parsePolicyLayer,
  resolvePolicy,
  scoreRecipient,
  smtpReplyFor,
  validatePolicy,
} from './index';

const def = (name: keyof typeof DEFAULT_WEIGHTS, group: SymbolDefinition['group']): SymbolDefinition => ({
  name,
  group,
  description: name.toLowerCase(),
  defaultWeight: DEFAULT_WEIGHTS[name],
});
const registry = new SymbolRegistry([
  def('R_SPF_FAIL', 'auth'),
  def('DMARC_POLICY_REJECT', 'auth'),
  def('R_DKIM_REJECT', 'auth'),
  def('ARC_REJECT', 'auth'),
  def('MISSING_SUBJECT', 'content'),
  def('MARKETING_PHRASE', 'content'),
  def('USER_BLOCK', 'lists'),
  def('USER_ALLOW', 'lists'),
  def('GLOBAL_BLOCK', 'lists'),
  def('BAYES_SPAM', 'bayes'),
  def('BAYES_HAM', 'bayes'),
]);
const known = registry.names();

describe('scoreRecipient', () => {
  it('sums weight × factor and reports each symbol with its weight and options', () => {
    const hits: SymbolHit[] = [
      { name: 'MISSING_SUBJECT' },
      { name: 'BAYES_SPAM', factor: 0.5, options: ['0.97'] },
    ];
    const r = scoreRecipient(hits, registry, DEFAULT_POLICY, 'a@x.test');
    expect(r.score).toBeCloseTo(2.0 + 7 * 0.5, 2);
    expect(r.shared.map((s) => s.name)).toEqual(['MISSING_SUBJECT', 'BAYES_SPAM']);
    expect(r.shared[1]).toMatchObject({ weight: 7, score: 3.5, options: ['0.97'], group: 'bayes' });
  });

  it('uses the policy weight override instead of the declared default', () => {
    const policy = mergePolicy(DEFAULT_POLICY, [{ weights: { MISSING_SUBJECT: 7 } }]);
    expect(scoreRecipient([{ name: 'MISSING_SUBJECT' }], registry, policy, 'a@x.test').score).toBe(7);
  });

  it('caps a group and scales its symbols so the explanation adds up', () => {
    const hits: SymbolHit[] = [
      { name: 'R_SPF_FAIL' },
      { name: 'DMARC_POLICY_REJECT' },
      { name: 'R_DKIM_REJECT' },
      { name: 'ARC_REJECT' },
    ];
    const policy = mergePolicy(DEFAULT_POLICY, [{ groupCaps: { auth: { max: 4 } } }]);
    const r = scoreRecipient(hits, registry, policy, 'a@x.test');
    expect(r.score).toBeCloseTo(4, 2);
    const sum = r.shared.reduce((s, x) => s + x.score, 0);
    expect(sum).toBeCloseTo(4, 1);
    // uncapped it would have been 2 + 4 + 1.5 + 1 = 8.5
    expect(
      scoreRecipient(
        hits,
        registry,
        mergePolicy(DEFAULT_POLICY, [{ groupCaps: { auth: { max: 100 } } }]),
        'a@x.test',
      ).score,
    ).toBeCloseTo(8.5, 2);
  });

  it('applies a recipient-limited hit only to that recipient, as its own symbol', () => {
    const hits: SymbolHit[] = [
      { name: 'MISSING_SUBJECT' },
      { name: 'USER_BLOCK', recipients: ['bob@x.test'], options: ['from:spam@evil.test'] },
    ];
    const bob = scoreRecipient(hits, registry, DEFAULT_POLICY, 'bob@x.test');
    const ann = scoreRecipient(hits, registry, DEFAULT_POLICY, 'ann@x.test');
    expect(bob.score).toBe(102);
    expect(bob.own.map((s) => s.name)).toEqual(['USER_BLOCK']);
    expect(ann.score).toBe(2);
    expect(ann.own).toEqual([]);
  });

  it('lets a user allow beat a global block (specificity by magnitude)', () => {
    const hits: SymbolHit[] = [{ name: 'GLOBAL_BLOCK' }, { name: 'USER_ALLOW', recipients: ['bob@x.test'] }];
    expect(scoreRecipient(hits, registry, DEFAULT_POLICY, 'bob@x.test').score).toBeLessThan(0);
    expect(
      actionForScore(
        scoreRecipient(hits, registry, DEFAULT_POLICY, 'ann@x.test').score,
        DEFAULT_POLICY,
        'inbound',
      ),
    ).toBe('reject');
  });

  it('scores an undeclared symbol 0 and says so, and ignores a NaN factor', () => {
    const r = scoreRecipient(
      [{ name: 'NOT_DECLARED' }, { name: 'BAYES_SPAM', factor: Number.NaN }],
      registry,
      DEFAULT_POLICY,
      'a@x.test',
    );
    expect(r.score).toBe(0);
    expect(r.shared[0].description).toMatch(/undeclared/);
  });

  it('counts a repeated symbol once, keeping all options', () => {
    const r = scoreRecipient(
      [
        { name: 'MARKETING_PHRASE', options: ['a'] },
        { name: 'MARKETING_PHRASE', options: ['b'] },
      ],
      registry,
      DEFAULT_POLICY,
      'a@x.test',
    );
    expect(r.score).toBe(1.5);
    expect(r.shared[0].options).toEqual(['a', 'b']);
  });
});

describe('actions', () => {
  it('maps inbound scores: tag at the operating point 2.5, reject only at 15', () => {
    expect(actionForScore(2.49, DEFAULT_POLICY, 'inbound')).toBe('accept');
    expect(actionForScore(2.5, DEFAULT_POLICY, 'inbound')).toBe('tag');
    expect(actionForScore(14.9, DEFAULT_POLICY, 'inbound')).toBe('tag');
    expect(actionForScore(15, DEFAULT_POLICY, 'inbound')).toBe('reject');
  });

  it('maps outbound scores to hold and reject, never tag', () => {
    expect(actionForScore(7, DEFAULT_POLICY, 'outbound')).toBe('accept');
    expect(actionForScore(9, DEFAULT_POLICY, 'outbound')).toBe('hold');
    expect(actionForScore(20, DEFAULT_POLICY, 'outbound')).toBe('reject');
  });

  it('greylists only the band between clearly ham and clearly spam, inbound, when enabled', () => {
    expect(inGreylistBand(2.49, DEFAULT_POLICY, 'inbound')).toBe(false);
    expect(inGreylistBand(2.5, DEFAULT_POLICY, 'inbound')).toBe(true);
    expect(inGreylistBand(14, DEFAULT_POLICY, 'inbound')).toBe(true);
    expect(inGreylistBand(15, DEFAULT_POLICY, 'inbound')).toBe(false);
    expect(inGreylistBand(3, DEFAULT_POLICY, 'outbound')).toBe(false);
    expect(
      inGreylistBand(3, mergePolicy(DEFAULT_POLICY, [{ greylisting: { enabled: false } }]), 'inbound'),
    ).toBe(false);
    expect(
      inGreylistBand(3, mergePolicy(DEFAULT_POLICY, [{ thresholds: { greylist: null } }]), 'inbound'),
    ).toBe(false);
  });

  it('answers one SMTP reply for mixed recipients without losing anyone’s mail', () => {
    expect(overallAction(['accept', 'reject'])).toEqual({ action: 'reject', smtpAction: 'accept' });
    expect(overallAction(['tag', 'reject'])).toEqual({ action: 'reject', smtpAction: 'tag' });
    expect(overallAction(['reject', 'reject'])).toEqual({ action: 'reject', smtpAction: 'reject' });
    expect(overallAction(['accept', 'greylist'])).toEqual({ action: 'greylist', smtpAction: 'greylist' });
    expect(overallAction(['reject', 'greylist'])).toEqual({ action: 'reject', smtpAction: 'greylist' });
  });

  it('puts the reference ID into refusals and keeps them to one line', () => {
    const r = smtpReplyFor('reject', 'REF123', 'blocked\r\nInjected: yes');
    expect(r).toMatchObject({ code: 550, enhanced: '5.7.1' });
    expect(r.message).toContain('REF123');
    expect(r.message).not.toMatch(/[\r\n]/);
    expect(smtpReplyFor('greylist', 'R', 'x')).toMatchObject({ code: 451, enhanced: '4.7.1' });
    // RFC 5321 §4.2: ASCII reply text
    expect(
      smtpReplyFor('reject', 'R', 'score 16 ≥ 15 by REPLYTO_DIFF_FROM(a.example → b.example), naïve').message,
    ).toBe('Message refused: score 16 >= 15 by REPLYTO_DIFF_FROM(a.example -> b.example), na?ve (ref R)');
  });
});

describe('policy layers', () => {
  it('merges defaults ← global ← domain ← user, later layers winning field by field', () => {
    const p = resolvePolicy(
      DEFAULT_POLICY,
      [
        { source: 'global', layer: { thresholds: { tag: 5 }, weights: { MISSING_SUBJECT: 3 } } },
        { source: 'domain x.test', layer: { thresholds: { reject: 12 }, greylisting: { enabled: false } } },
        {
          source: 'user bob@x.test',
          layer: { weights: { BAYES_SPAM: 8 }, tagHeaders: { subjectPrefix: '[SPAM]' } },
        },
      ],
      known,
    );
    expect(p.thresholds).toEqual({ greylist: 2.5, tag: 5, reject: 12 });
    expect(p.weights).toEqual({ MISSING_SUBJECT: 3, BAYES_SPAM: 8 });
    expect(p.greylisting.enabled).toBe(false);
    expect(p.greylisting.minDelaySeconds).toBe(DEFAULT_POLICY.greylisting.minDelaySeconds);
    expect(p.tagHeaders.subjectPrefix).toBe('[SPAM]');
    expect(p.groupCaps.auth).toEqual(DEFAULT_POLICY.groupCaps.auth);
  });

  it('the shipped default policy is valid', () => {
    expect(validatePolicy(DEFAULT_POLICY, known)).toEqual([]);
  });

  it('refuses an unknown symbol, naming the layer and the symbol', () => {
    expect(() =>
      resolvePolicy(DEFAULT_POLICY, [{ source: 'domain x.test', layer: { weights: { NO_SUCH: 1 } } }], known),
    ).toThrow(new PolicyError('domain x.test', ['weights.NO_SUCH: unknown symbol']));
  });

  it('refuses thresholds out of order, even when only the combination of layers is wrong', () => {
    let err: unknown;
    try {
      resolvePolicy(
        DEFAULT_POLICY,
        [
          { source: 'domain x.test', layer: { thresholds: { reject: 10 } } },
          { source: 'user b@x.test', layer: { thresholds: { tag: 11 } } },
        ],
        known,
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as Error).message).toContain('tag (11) must be below reject (10)');
    expect((err as Error).message).toContain('merged: domain x.test ← user b@x.test');
  });

  it('refuses NaN, Infinity, strings and unknown keys with the path of each', () => {
    const r = parsePolicyLayer(
      {
        thresholds: { tag: Number.NaN, rejekt: 3 },
        weights: { MISSING_SUBJECT: Infinity },
        outbound: { hold: '8' },
      },
      known,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const msg = r.error.message;
    expect(msg).toMatch(/thresholds\.tag/);
    expect(msg).toMatch(/rejekt/);
    expect(msg).toMatch(/weights\.MISSING_SUBJECT/);
    expect(msg).toMatch(/outbound\.hold: must be a number/);
  });

  it('names the problem in a layer as zod 3 did: finite numbers, a bad rule name, an unknown group; caps some groups only', () => {
    const r = parsePolicyLayer(
      {
        weights: { MISSING_SUBJECT: Infinity },
        forcedActions: { Bad: {} },
        groupCaps: { nope: { max: 1 } },
        outbound: { hold: 5000 },
      },
      known,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.issues).toEqual(
      expect.arrayContaining([
        'weights.MISSING_SUBJECT: must be a finite number',
        'forcedActions.Bad: rule names are lower_snake',
        expect.stringMatching(/^groupCaps: unknown group "nope" \(groups: auth, .*system\)$/),
        expect.stringMatching(/^outbound\.hold: Too big: expected number to be <=1000$/),
      ]),
    );
    // A z.record over the groups' enum is exhaustive in zod 4; a layer that caps one group must still pass.
    expect(parsePolicyLayer({ groupCaps: { auth: { max: 4 } } }, known)).toMatchObject({
      ok: true,
      layer: { groupCaps: { auth: { max: 4 } } },
    });
  });

  it('refuses a greylisting window no retry can pass and a header prefix with a line break', () => {
    expect(
      validatePolicy(
        mergePolicy(DEFAULT_POLICY, [{ greylisting: { minDelaySeconds: 600, pendingTtlSeconds: 300 } }]),
        known,
      ).join(),
    ).toMatch(/pendingTtlSeconds/);
    expect(parsePolicyLayer({ tagHeaders: { subjectPrefix: '[S]\r\nBcc: x' } }, known).ok).toBe(false);
  });

  it('lets a recipient choose the quarantine instead of Junk or a refusal, layer by layer, and refuses anything else', () => {
    expect(DEFAULT_POLICY.spamHandling).toEqual({ tag: 'tag', reject: 'reject' });
    const p = resolvePolicy(
      DEFAULT_POLICY,
      [
        { source: 'domain x.test', layer: { spamHandling: { reject: 'quarantine' } } },
        { source: 'user b@x.test', layer: { spamHandling: { tag: 'quarantine' } } },
      ],
      known,
    );
    expect(p.spamHandling).toEqual({ tag: 'quarantine', reject: 'quarantine' });
    expect(quarantinesFor('tag', p, 'inbound')).toBe(true);
    expect(quarantinesFor('reject', p, 'inbound')).toBe(true);
    expect(quarantinesFor('accept', p, 'inbound')).toBe(false);
    expect(quarantinesFor('reject', p, 'outbound')).toBe(false);
    expect(quarantinesFor('tag', DEFAULT_POLICY, 'inbound')).toBe(false);
    const bad = parsePolicyLayer({ spamHandling: { tag: 'reject', reject: 'drop', extra: 1 } }, known);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.message).toMatch(/spamHandling\.tag: must be 'tag' or 'quarantine'/);
    expect(bad.error.message).toMatch(/spamHandling\.reject: must be 'reject' or 'quarantine'/);
    expect(bad.error.message).toMatch(/extra/);
  });

  it('refuses a greylist threshold above tag and a positive min cap', () => {
    const issues = validatePolicy(
      mergePolicy(DEFAULT_POLICY, [{ thresholds: { greylist: 7 }, groupCaps: { auth: { min: 2 } } }]),
      known,
    );
    expect(issues.join('\n')).toMatch(/greylist \(7\) must not be above tag/);
    expect(issues.join('\n')).toMatch(/groupCaps.auth.min/);
  });
});

describe('SymbolRegistry', () => {
  it('refuses malformed and conflicting declarations', () => {
    expect(
      () => new SymbolRegistry([{ name: 'bad-name', group: 'content', description: 'x', defaultWeight: 1 }]),
    ).toThrow(/UPPER_SNAKE/);
    expect(
      () =>
        new SymbolRegistry([
          { name: 'A_B', group: 'content', description: 'x', defaultWeight: 1 },
          { name: 'A_B', group: 'auth', description: 'x', defaultWeight: 1 },
        ]),
    ).toThrow(/declared twice/);
  });
});
