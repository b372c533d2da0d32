import { parseMessageSync } from '@spamfilter/mail';
import { CharGramFeatures, tokenFeatures } from './features';
import { extraPasses, trainLogistic, trainLogisticInSlices, type LogisticExample } from './logistic-training';
import { MemoryBayesStore } from './memory-bayes.store';
import { OnlineLogistic } from './online-logistic';
import { DEFAULT_SPAM_CLASSIFIER, SpamClassifier } from './spam-classifier';
import { hashToken } from './hash';
import { isMetaTokenId, META_ID_TAG, tokenId } from './tokenizer';

const OPTIONS = { bits: 12, rate: 1, margin: 3 };

function examples(): LogisticExample[] {
  const out: LogisticExample[] = [];
  for (let i = 0; i < 40; i++) {
    const spam = i % 3 === 0;
    const ids = Uint32Array.from([spam ? 11 : 22, 33 + (i % 5), 1000 + i, spam ? 0xfffffff0 : 7]);
    out.push({ features: tokenFeatures(ids, OPTIONS.bits), label: spam ? 'spam' : 'ham' });
  }
  return out;
}

describe('tokenFeatures', () => {
  it('hashes token ids as CharGramFeatures hashes its extra ids, signed or unsigned, without duplicates', () => {
    const ids = Uint32Array.from([5, 0xfffffffe, 123456789, 5 + (1 << 12)]); // the last collides with 5 at 12 bits
    const empty = parseMessageSync(Buffer.from('\r\n'));
    const viaGrams = Array.from(new CharGramFeatures(12, 100).extract(empty, ids)).sort((a, b) => a - b);
    expect(Array.from(tokenFeatures(ids, 12))).toEqual(viaGrams);
    expect(tokenFeatures(ids, 12).length).toBe(3);
    expect(
      Array.from(
        tokenFeatures(
          Array.from(ids, (x) => x | 0),
          12,
        ),
      ),
    ).toEqual(viaGrams);
  });
});

describe('two views (token-views)', () => {
  const meta = (n: number): number => tokenId(`ct:x${n}`, true);
  const word = (n: number): number => tokenId(`w${n}`, false);

  it('puts structural tokens in the top half of the feature space and words in the bottom half', () => {
    expect(isMetaTokenId(meta(1))).toBe(true);
    expect(isMetaTokenId(word(1))).toBe(hashToken('w1') >>> 24 === META_ID_TAG);
    const f = tokenFeatures([word(1), meta(1), word(2), meta(2) | 0], 12, true);
    expect(Array.from(f, (x) => x >>> 11)).toEqual([0, 0, 1, 1]);
    // without views the indices are the plain ones
    expect(Array.from(tokenFeatures([word(1)], 12))).toEqual([(word(1) ^ 0x5bd1e995) & 0xfff]);
  });

  it('scores each view with its own 1/√n and steps only the view that is wrong or within the margin', () => {
    const lr = new OnlineLogistic({ bits: 12, rate: 1, margin: 3, views: true });
    const words = [word(1), word(2), word(3), word(4)];
    const f = tokenFeatures([...words, meta(1)], 12, true);
    const [w0, w1, w2, w3, m] = Array.from(f) as [number, number, number, number, number];
    // the structural view alone already says spam with a margin: 4 / √1 = 4 ≥ 3
    lr.weights[m] = 4;
    expect(lr.score(f)).toBeCloseTo(4);
    lr.weights[w0] = 1;
    // words: 1/√4 = 0.5; structural: 4/√1
    expect(lr.score(f)).toBeCloseTo(4.5);
    expect(lr.learn(f, true)).toBe(true);
    expect(lr.weights[m]).toBe(4); // beyond the margin: untouched
    for (const w of [w0, w1, w2, w3]) expect(lr.weights[w]).toBeGreaterThan(w === w0 ? 1 : 0);
    // the same message in one view: the structural feature would have kept the words from learning
    const joint = new OnlineLogistic({ bits: 12, rate: 1, margin: 3 });
    const g = tokenFeatures([...words, meta(1)], 12);
    joint.weights[g[g.length - 1] as number] = 4 * Math.sqrt(5);
    expect(joint.score(g)).toBeCloseTo(4);
    expect(joint.learn(g, true)).toBe(false);
  });

  it('keeps every weight within maxWeight', () => {
    const lr = new OnlineLogistic({ bits: 12, rate: 10, margin: 50, views: true, maxWeight: 2 });
    const f = tokenFeatures([word(1), meta(1)], 12, true);
    for (let i = 0; i < 50; i++) lr.learn(f, true);
    expect(Math.max(...Array.from(f, (i) => lr.weights[i] as number))).toBe(2);
    for (let i = 0; i < 200; i++) lr.learn(f, false);
    expect(Math.min(...Array.from(f, (i) => lr.weights[i] as number))).toBe(-2);
  });

  it('splits views whatever the order of the features', () => {
    const a = new OnlineLogistic({ bits: 12, rate: 1, margin: 3, views: true });
    const b = new OnlineLogistic({ bits: 12, rate: 1, margin: 3, views: true });
    const f = tokenFeatures([word(1), word(2), meta(1), meta(2)], 12, true);
    a.learn(f, true);
    b.learn(Uint32Array.from(f).reverse(), true);
    expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
  });
});

describe('trainLogistic', () => {
  it('is a pure function of the set: the same examples give the same weights, bit for bit', () => {
    const a = trainLogistic(examples(), OPTIONS, 8).weights;
    const b = trainLogistic(examples(), OPTIONS, 8).weights;
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(a.some((w) => w !== 0)).toBe(true);
  });

  it('is one online pass in order then the shuffled passes (what the harness and SpamClassifier.trainBatch do)', () => {
    const set = examples();
    const online = new OnlineLogistic(OPTIONS);
    for (const ex of set) online.learn(ex.features, ex.label === 'spam');
    extraPasses(online, set, 5);
    expect(trainLogistic(set, OPTIONS, 5).weights).toEqual(online.weights);
  });

  it('in slices, letting the event loop through, gives the same weights bit for bit', async () => {
    const set = examples();
    // Other work queued on the event loop runs between slices: an immediate that re-queues itself is counted while the
    // training is on. (A 0 ms interval needs a whole millisecond to pass, which a fast machine may not take.)
    let ticks = 0;
    let training = true;
    const tick = (): void => {
      if (!training) return;
      ticks++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const sliced = await trainLogisticInSlices(set, OPTIONS, 8, 7);
    training = false;
    expect(
      Buffer.from(sliced.weights.buffer).equals(Buffer.from(trainLogistic(set, OPTIONS, 8).weights.buffer)),
    ).toBe(true);
    expect(ticks).toBeGreaterThan(0);
  });

  it('separates the classes it was trained on', () => {
    const model = trainLogistic(examples(), OPTIONS, 8);
    expect(model.score(tokenFeatures([11, 34], OPTIONS.bits))).toBeGreaterThan(0);
    expect(model.score(tokenFeatures([22, 34], OPTIONS.bits))).toBeLessThan(0);
  });
});

describe('SpamClassifier.useLogistic', () => {
  const msg = (s: string, b: string) => parseMessageSync(Buffer.from(`Subject: ${s}\r\n\r\n${b}\r\n`));

  it('scores with Bayes alone without weights and with the installed weights after', async () => {
    const c = new SpamClassifier(new MemoryBayesStore(), { ...DEFAULT_SPAM_CLASSIFIER, logistic: OPTIONS });
    c.useLogistic(null);
    const p = c.prepare(msg('cheap pills', 'buy cheap pills'));
    const alone = await c.classify(p);
    expect(alone.discriminative).toBeNull();
    expect(alone.logit).toBe(alone.bayes.logit);
    const set: LogisticExample[] = [
      { features: p.features, label: 'spam' },
      { features: c.prepare(msg('meeting', 'notes for tuesday')).features, label: 'ham' },
    ];
    c.useLogistic(trainLogistic(set, OPTIONS, 4));
    const v = await c.classify(p);
    expect(v.discriminative as number).toBeGreaterThan(0);
    expect(v.logit).toBeCloseTo(0.5 * (v.discriminative as number), 9); // Bayes untrained: logit 0; BAYES_LOGIT_SCALE 0.5
  });

  it('refuses weights of another hash space', () => {
    const c = new SpamClassifier(new MemoryBayesStore(), { ...DEFAULT_SPAM_CLASSIFIER, logistic: OPTIONS });
    expect(() => c.useLogistic(new OnlineLogistic({ ...OPTIONS, bits: 13 }))).toThrow(/do not fit/);
  });
});

describe('OnlineLogistic experiment options (bench/eval --opt)', () => {
  it('averaged(): the mean of the weights after every step, steps that did not move included', () => {
    const set = examples();
    const model = new OnlineLogistic({ ...OPTIONS, average: true });
    const mean = new Float64Array(1 << OPTIONS.bits);
    for (let pass = 0; pass < 3; pass++)
      for (const ex of set) {
        model.learn(ex.features, ex.label === 'spam');
        model.weights.forEach((w, i) => (mean[i] = (mean[i] as number) + w / (3 * set.length)));
      }
    const averaged = model.averaged().weights;
    expect(averaged).not.toEqual(model.weights);
    averaged.forEach((w, i) => expect(w).toBeCloseTo(mean[i] as number, 5));
    // without `average` there is nothing to average: trainLogistic returns the last weights
    const plain = new OnlineLogistic(OPTIONS);
    plain.learn(set[0]!.features, true);
    expect(plain.averaged()).toBe(plain);
  });

  it('hamWeight makes a ham step larger and hamMargin keeps training ham the spam margin would leave', () => {
    const ham = tokenFeatures([22, 7], OPTIONS.bits);
    const oneStep = (o: Partial<typeof OPTIONS & { hamWeight: number }>): number => {
      const m = new OnlineLogistic({ ...OPTIONS, ...o });
      m.learn(ham, false);
      return m.score(ham);
    };
    expect(oneStep({ hamWeight: 3 })).toBeCloseTo(3 * oneStep({}), 5);
    const atMargin = (hamMargin?: number): boolean => {
      const m = new OnlineLogistic({ ...OPTIONS, hamMargin });
      m.weights.fill(-OPTIONS.margin); // score −6/√2 ≈ −4.2: beyond the margin of 3, within 5
      return m.learn(ham, false);
    };
    expect(atMargin()).toBe(false);
    expect(atMargin(5)).toBe(true);
  });
});
