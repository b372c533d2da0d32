import {
  decodeLogisticWeights,
  encodeLogisticWeights,
  featuresMatch,
  logisticModelConfig,
  logisticOptionsOf,
  readLogisticModelConfig,
  rebuildableFromTokens,
  type LogisticModelConfig,
} from './logistic-snapshot';
import { DEFAULT_SPAM_CLASSIFIER } from './spam-classifier';

function sparseWeights(bits: number, every: number): Float32Array {
  const w = new Float32Array(1 << bits);
  for (let i = 0; i < w.length; i += every) w[i] = Math.fround(Math.sin(i) * 3);
  w[w.length - 1] = -1.5; // the last index (largest gap handling)
  return w;
}

describe('logistic snapshot weights', () => {
  it('round-trips sparse weights exactly, in far fewer bytes than dense', () => {
    const w = sparseWeights(16, 97);
    const bytes = encodeLogisticWeights(w);
    expect(bytes[6]).toBe(1); // sparse
    expect(bytes.length).toBeLessThan(w.length); // < 1 byte per weight, dense is 4
    expect(decodeLogisticWeights(bytes, 16)).toEqual(w);
  });

  it('round-trips dense weights exactly (every weight non-zero)', () => {
    const w = new Float32Array(1 << 12).map((_, i) => Math.fround((i % 13) - 6.5));
    const bytes = encodeLogisticWeights(w);
    expect(bytes[6]).toBe(0); // dense
    expect(bytes.length).toBe(12 + 4 * 4096);
    expect(decodeLogisticWeights(bytes, 12)).toEqual(w);
  });

  it('round-trips all-zero weights and keeps tiny and large values bit for bit', () => {
    const zero = new Float32Array(1 << 12);
    expect(decodeLogisticWeights(encodeLogisticWeights(zero), 12)).toEqual(zero);
    const w = new Float32Array(1 << 12);
    w[0] = 1e-38;
    w[200] = -3.4e38;
    w[4000] = Math.fround(0.1);
    const back = decodeLogisticWeights(encodeLogisticWeights(w), 12);
    expect(Array.from(back.subarray(0, 1))).toEqual([Math.fround(1e-38)]);
    expect(back[200]).toBe(Math.fround(-3.4e38));
    expect(back[4000]).toBe(Math.fround(0.1));
  });

  it('decodes from a Buffer view at an offset (as drivers return bytea/blob)', () => {
    const w = sparseWeights(12, 7);
    const bytes = encodeLogisticWeights(w);
    const pool = Buffer.alloc(bytes.length + 5);
    pool.set(bytes, 5);
    expect(decodeLogisticWeights(pool.subarray(5), 12)).toEqual(w);
  });

  it('refuses malformed blobs whole', () => {
    const good = encodeLogisticWeights(sparseWeights(12, 5));
    expect(() => decodeLogisticWeights(good, 13)).toThrow(/12 bits, expected 13/);
    expect(() => decodeLogisticWeights(good.subarray(0, good.length - 1), 12)).toThrow(/truncated/);
    expect(() => decodeLogisticWeights(Uint8Array.from([...good, 0]), 12)).toThrow(/trailing/);
    const bad = Uint8Array.from(good);
    bad[0] = 0x58;
    expect(() => decodeLogisticWeights(bad, 12)).toThrow(/not an SFLR/);
    const nan = new Float32Array(1 << 12);
    nan[3] = NaN;
    expect(() => decodeLogisticWeights(encodeLogisticWeights(nan), 12)).toThrow(/not finite/);
    const dense = encodeLogisticWeights(new Float32Array(1 << 12).fill(1));
    expect(() => decodeLogisticWeights(dense.subarray(0, dense.length - 4), 12)).toThrow(/dense blob/);
  });
});

describe('logistic model config', () => {
  const config = logisticModelConfig(DEFAULT_SPAM_CLASSIFIER) as LogisticModelConfig;

  it('is read back from its JSON and rejects what is not one', () => {
    expect(readLogisticModelConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
    expect(readLogisticModelConfig({ ...config, features: 'words' })).toBeNull();
    expect(readLogisticModelConfig({ ...config, bits: 2.5 })).toBeNull();
    expect(readLogisticModelConfig(null)).toBeNull();
    expect(readLogisticModelConfig({ ...config, maxWeight: 0 })).toBeNull();
    // a snapshot written before views and bounded weights is still read
    const { maxWeight: _gone, ...old } = { ...config, features: 'tokens' as const };
    expect(readLogisticModelConfig(old)).toEqual(old);
    expect(logisticModelConfig({ ...DEFAULT_SPAM_CLASSIFIER, logistic: null })).toBeNull();
  });

  it('matches on the features and hash space only', () => {
    expect(featuresMatch({ ...config, rate: 0.5, passes: 9 }, config)).toBe(true);
    expect(featuresMatch({ ...config, bits: config.bits - 1 }, config)).toBe(false);
    expect(featuresMatch({ ...config, features: 'grams+tokens' }, { ...config, features: 'tokens' })).toBe(
      false,
    );
    const grams = { ...config, features: 'grams+tokens' as const };
    expect(featuresMatch(grams, { ...grams, gramChars: 10 })).toBe(false);
    expect(
      featuresMatch({ ...config, features: 'tokens', gramChars: 10 }, { ...config, features: 'tokens' }),
    ).toBe(true);
    // one view and two views give other feature indices: an old snapshot is not used, the trainer retrains
    expect(featuresMatch({ ...config, features: 'tokens' }, { ...config, features: 'token-views' })).toBe(
      false,
    );
  });

  it('scores a token-views snapshot by views, and records the weight bound it was trained with', () => {
    expect(config).toMatchObject({ features: 'token-views' });
    expect(logisticOptionsOf({ ...config, maxWeight: 2 })).toMatchObject({ views: true, maxWeight: 2 });
    expect(logisticOptionsOf({ ...config, features: 'tokens' }).views).toBeUndefined();
    expect(rebuildableFromTokens('token-views')).toBe(true);
    expect(rebuildableFromTokens('tokens')).toBe(true);
    expect(rebuildableFromTokens('grams+tokens')).toBe(false);
  });
});
