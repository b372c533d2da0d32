import { loadConfig } from '@spamfilter/config';
import { parseLimits, spamClassifierOptions } from './options';

describe('options from configuration', () => {
  it('maps the defaults and overrides of the bayes section', () => {
    const d = loadConfig({}).bayes;
    const o = spamClassifierOptions(d);
    expect(o.tokenizer.headers).toBe('neutral');
    expect(o.logistic).not.toBeNull();
    expect(parseLimits(d).maxBytes).toBe(2 * 1024 * 1024);
    const c = loadConfig({
      BAYES_HEADERS: 'all',
      BAYES_DISCRIMINATIVE: 'false',
      BAYES_MAX_TOKENS: '40',
      MAIL_PARSE_MAX_PARTS: '7',
    }).bayes;
    expect(spamClassifierOptions(c).tokenizer.headers).toBe('all');
    expect(spamClassifierOptions(c).logistic).toBeNull();
    expect(spamClassifierOptions(c).bayes.maxTokens).toBe(40);
    expect(parseLimits(c).maxParts).toBe(7);
    expect(() => loadConfig({ BAYES_HEADERS: 'some' })).toThrow(/BAYES_HEADERS/);
  });

  it('learns two views with bounded weights by default, and one unbounded view on request', () => {
    const o = spamClassifierOptions(loadConfig({}).bayes);
    expect(o.logisticFeatures).toBe('token-views');
    expect(o.logistic).toMatchObject({ views: true, maxWeight: 2 });
    const one = spamClassifierOptions(
      loadConfig({ BAYES_LR_VIEWS: 'false', BAYES_LR_MAX_WEIGHT: '0' }).bayes,
    );
    expect(one.logisticFeatures).toBe('tokens');
    expect(one.logistic?.views).toBeUndefined();
    expect(one.logistic?.maxWeight).toBeUndefined();
  });
});
