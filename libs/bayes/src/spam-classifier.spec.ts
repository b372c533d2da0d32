import { parseMessageSync } from '@spamfilter/mail';
import { MemoryBayesStore } from './memory-bayes.store';
import { DEFAULT_SPAM_CLASSIFIER, SpamClassifier } from './spam-classifier';

const m = (s: string, b: string) => parseMessageSync(Buffer.from(`Subject: ${s}\r\n\r\n${b}\r\n`));

describe('SpamClassifier', () => {
  it('combines Bayes and the logistic component, and relearning the same class changes neither', async () => {
    const model = new SpamClassifier(new MemoryBayesStore());
    const spam = model.prepare(m('cheap pills', 'buy cheap pills online discount'));
    const ham = model.prepare(m('meeting', 'project meeting notes for tuesday'));
    for (let i = 0; i < 5; i++) {
      await model.learn(null, `s${i}`, spam, 'spam');
      await model.learn(null, `h${i}`, ham, 'ham');
    }
    const probe = model.prepare(m('cheap discount', 'cheap pills'));
    const v = await model.classify(probe);
    expect(v.discriminative).not.toBeNull();
    expect(v.discriminative as number).toBeGreaterThan(0);
    expect(v.bayes.score).toBeGreaterThan(0.5);
    // (the logistic logit + BAYES_WEIGHT × the compressed Bayes logit) × the logit scale, 0.5 by default
    expect(v.logit).toBeCloseTo(0.5 * ((v.discriminative as number) + 0.5 * Math.log1p(v.bayes.logit)), 9);
    expect(v.score).toBeCloseTo(1 / (1 + Math.exp(-v.logit)), 12);
    const weights = Float32Array.from(model.logistic!.weights);
    expect(await model.learn(null, 's0', spam, 'spam')).toBe('unchanged');
    expect(model.logistic!.weights).toEqual(weights);
  });

  it('is Bayes alone when the logistic component is off', async () => {
    const model = new SpamClassifier(new MemoryBayesStore(), { ...DEFAULT_SPAM_CLASSIFIER, logistic: null });
    const p = model.prepare(m('x', 'hello world'));
    expect(p.features.length).toBe(0);
    const v = await model.classify(p);
    expect(v.discriminative).toBeNull();
    expect(v.logit).toBe(v.bayes.logit);
  });
});
