import { DEFAULT_POLICY } from './default-policy';
import { mergePolicy, validatePolicy } from './policy';
import {
  presetLayer,
  SENSITIVITIES,
  SENSITIVITY_PRESETS,
  sensitivityOf,
  userLayerProblems,
} from './policy-scope';
import { DEFAULT_WEIGHTS } from './default-policy';

const known = new Set(Object.keys(DEFAULT_WEIGHTS));

describe('user sensitivity and bounds', () => {
  it('every preset is valid and within the default bounds', () => {
    for (const name of SENSITIVITIES) {
      const layer = presetLayer(name);
      expect(userLayerProblems(layer, DEFAULT_POLICY)).toEqual([]);
      expect(validatePolicy(mergePolicy(DEFAULT_POLICY, [layer]), known)).toEqual([]);
      expect(sensitivityOf(mergePolicy(DEFAULT_POLICY, [layer]).thresholds)).toBe(name);
    }
    expect(SENSITIVITY_PRESETS.standard).toEqual(DEFAULT_POLICY.thresholds);
    // strict tags and refuses earlier than the shipped thresholds, relaxed later
    const { strict, standard, relaxed } = SENSITIVITY_PRESETS;
    expect(strict.tag).toBeLessThan(standard.tag);
    expect(standard.tag).toBeLessThan(relaxed.tag);
    expect(strict.reject).toBeLessThan(standard.reject);
    expect(standard.reject).toBeLessThan(relaxed.reject);
    expect(sensitivityOf({ greylist: 4, tag: 7, reject: 15 })).toBeNull();
  });

  it('refuses thresholds outside the bounds the domain allows, and keys a user does not own', () => {
    const domain = mergePolicy(DEFAULT_POLICY, [{ userBounds: { reject: { min: 12, max: 18 } } }]);
    expect(userLayerProblems({ thresholds: { reject: 10 } }, domain)).toEqual([
      'thresholds.reject: 10 is outside what this domain allows (12..18)',
    ]);
    // "strict" (reject 10) fits the defaults but not this domain
    expect(userLayerProblems(presetLayer('strict'), DEFAULT_POLICY)).toEqual([]);
    expect(userLayerProblems(presetLayer('strict'), domain)).toHaveLength(1);
    expect(userLayerProblems({ thresholds: { tag: 1000 } }, DEFAULT_POLICY)[0]).toMatch(
      /thresholds.tag: 1000 is outside/,
    );
    expect(userLayerProblems({ weights: { BAYES_SPAM: 0 } }, DEFAULT_POLICY)).toEqual([
      'weights: set by the domain or the operator, not by a user',
    ]);
    expect(
      userLayerProblems({ greylisting: { enabled: false, minDelaySeconds: 1 } }, DEFAULT_POLICY),
    ).toEqual(['greylisting.minDelaySeconds: set by the domain or the operator, not by a user']);
  });

  it('lets a user keep their spam in the quarantine instead of Junk or a refusal', () => {
    expect(
      userLayerProblems({ spamHandling: { tag: 'quarantine', reject: 'quarantine' } }, DEFAULT_POLICY),
    ).toEqual([]);
  });

  it('refuses bounds whose min is above their max', () => {
    const issues = validatePolicy(
      mergePolicy(DEFAULT_POLICY, [{ userBounds: { tag: { min: 9, max: 5 } } }]),
      known,
    );
    expect(issues).toContain('userBounds.tag: min (9) must not be above max (5)');
  });
});
