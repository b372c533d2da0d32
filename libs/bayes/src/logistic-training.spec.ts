import { parseMessageSync } from '@spamfilter/mail';
import { CharGramFeatures, tokenFeatures } from './features';
import { extraPasses, trainLogistic, trainLogisticInSlices, type LogisticExample } from './logistic-training';
import { MemoryBayesStore } from './memory-bayes.store';
import { OnlineLogistic } from './online-logistic';
import { DEFAULT_SPAM_CLASSIFIER, SpamClassifier } from './spam-classifier';

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
    expect(Array.from(tokenFeatures(Array.from(ids, (x) => x | 0), 12))).toEqual(viaGrams);
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
    expect(Buffer.from(sliced.weights.buffer).equals(Buffer.from(trainLogistic(set, OPTIONS, 8).weights.buffer))).toBe(true);
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
    expect(v.logit).toBeCloseTo(v.discriminative as number, 9); // Bayes untrained: logit 0
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
