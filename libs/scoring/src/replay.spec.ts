import type { ScoredSymbol } from '@spamfilter/domain';
import { DEFAULT_POLICY, DEFAULT_WEIGHTS } from './default-policy';
import { mergePolicy } from './policy';
import { replayVerdict } from './replay';

const sym = (
  name: keyof typeof DEFAULT_WEIGHTS | string,
  group: ScoredSymbol['group'],
  weight: number,
  score: number,
): ScoredSymbol => ({
  name,
  group,
  description: name,
  weight,
  score,
  options: [],
});

describe('replayVerdict', () => {
  const logged = {
    direction: 'inbound' as const,
    recipient: 'bob@example.net',
    // Bayes at factor 0.75 (5.25 of 7), a missing subject, and the user's own block list hit
    shared: [sym('BAYES_SPAM', 'bayes', 7, 5.25), sym('MISSING_SUBJECT', 'content', 2, 2)],
    own: [] as ScoredSymbol[],
  };

  it('reproduces the logged score under the same policy', () => {
    expect(replayVerdict(logged, DEFAULT_POLICY, DEFAULT_WEIGHTS)).toEqual({
      score: 7.25,
      action: 'tag',
      greylistBand: true,
    });
  });

  it('applies new thresholds and new weights to the logged factors', () => {
    const strict = mergePolicy(DEFAULT_POLICY, [{ thresholds: { tag: 4, reject: 7 } }]);
    expect(replayVerdict(logged, strict, DEFAULT_WEIGHTS).action).toBe('reject');
    const heavierBayes = mergePolicy(DEFAULT_POLICY, [{ weights: { BAYES_SPAM: 20 } }]);
    expect(replayVerdict(logged, heavierBayes, DEFAULT_WEIGHTS)).toMatchObject({
      score: 17,
      action: 'reject',
    });
    const noSubjectOk = mergePolicy(DEFAULT_POLICY, [{ weights: { MISSING_SUBJECT: 0 } }]);
    expect(replayVerdict(logged, noSubjectOk, DEFAULT_WEIGHTS)).toMatchObject({ score: 5.25, action: 'tag' });
    // below the default tag (2.5) and greylist band once Bayes weighs nothing
    const bayesOff = mergePolicy(DEFAULT_POLICY, [{ weights: { BAYES_SPAM: 0 } }]);
    expect(replayVerdict(logged, bayesOff, DEFAULT_WEIGHTS)).toMatchObject({
      score: 2,
      action: 'accept',
      greylistBand: false,
    });
  });

  it("a user's own symbols count for that user; outbound uses the outbound thresholds", () => {
    const own = { ...logged, own: [sym('USER_BLOCK', 'lists', 100, 100)] };
    expect(replayVerdict(own, DEFAULT_POLICY, DEFAULT_WEIGHTS).action).toBe('reject');
    const out = { ...logged, direction: 'outbound' as const };
    expect(replayVerdict(out, DEFAULT_POLICY, DEFAULT_WEIGHTS)).toEqual({
      score: 7.25,
      action: 'accept',
      greylistBand: false,
    });
  });
});
