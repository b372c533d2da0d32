import type { ScoredSymbol } from '@spamfilter/domain';
import { verdictSymbols } from './verdicts.service';

const sym = (name: string, score: number, group: ScoredSymbol['group'] = 'content'): ScoredSymbol => ({
  name,
  group,
  description: `${name} meaning`,
  weight: score,
  score,
  options: [],
});

describe('verdictSymbols (what scored one recipient’s copy)', () => {
  it('joins the shared symbols and the recipient’s own, strongest first, each with its description', () => {
    const out = verdictSymbols(
      [sym('REPLYTO_DIFF_FROM', 1), sym('BAYES_SPAM', 5.5, 'bayes')],
      [sym('USER_ALLOW', -100, 'lists')],
    );
    expect(out.map((s) => [s.name, s.score])).toEqual([
      ['USER_ALLOW', -100],
      ['BAYES_SPAM', 5.5],
      ['REPLYTO_DIFF_FROM', 1],
    ]);
    expect(out[0]).toEqual({
      name: 'USER_ALLOW',
      group: 'lists',
      score: -100,
      description: 'USER_ALLOW meaning',
      options: [],
    });
  });

  it("keeps the recipient's own score when a symbol is in both (their Bayes layer)", () => {
    expect(verdictSymbols([sym('BAYES_SPAM', 7, 'bayes')], [sym('BAYES_SPAM', 2, 'bayes')])).toEqual([
      expect.objectContaining({ name: 'BAYES_SPAM', score: 2 }),
    ]);
  });
});
