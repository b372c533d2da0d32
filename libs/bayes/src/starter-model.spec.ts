import { gzipSync } from 'node:zlib';
import {
  buildStarterModel,
  decodeStarterModel,
  encodeStarterModel,
  starterLogistic,
  starterView,
} from './starter-model';

const CONFIG = { features: 'tokens' as const, bits: 12, gramChars: 1500, rate: 1, margin: 3, passes: 3 };
const ex = (tokens: number[], label: 'spam' | 'ham') => ({
  tokens: Uint32Array.from(tokens),
  features: Uint32Array.from(tokens.map((t) => t & 0xfff)),
  label,
});
const EXAMPLES = [
  ex([1, 2, 3, 0xfffffff0], 'spam'),
  ex([1, 2, 4], 'spam'),
  ex([1, 5, 6], 'ham'),
  ex([1, 5, 7, 7], 'ham'),
];

describe('starter model', () => {
  it('counts each token once per message, drops rare tokens and trains the logistic part', () => {
    const m = buildStarterModel(EXAMPLES, { source: 'unit', minCount: 2, logistic: CONFIG });
    expect(m.totals).toEqual({ spam: 2, ham: 2 });
    const v = starterView(m, Uint32Array.from([1, 2, 5, 3, 7]));
    expect(Array.from(v.spam)).toEqual([2, 2, 0, 0, 0]);
    expect(Array.from(v.ham)).toEqual([2, 0, 2, 0, 0]);
    const lr = starterLogistic(m, 12)!;
    expect(lr.score(Uint32Array.from([2, 3, 4]))).toBeGreaterThan(0);
    expect(lr.score(Uint32Array.from([5, 6, 7]))).toBeLessThan(0);
    expect(starterLogistic(m, 20)).toBeNull();
  });

  it('round-trips exactly through its file format', () => {
    const m = buildStarterModel(EXAMPLES, { source: 'unit', minCount: 1, logistic: CONFIG });
    const back = decodeStarterModel(encodeStarterModel(m));
    expect(back.source).toBe('unit');
    expect(back.totals).toEqual(m.totals);
    const ids = Uint32Array.from([1, 2, 3, 4, 5, 6, 7, 0xfffffff0, 99]);
    expect(starterView(back, ids)).toEqual(starterView(m, ids));
    expect(Array.from(back.logistic!.weights)).toEqual(Array.from(m.logistic!.weights));
    const bare = decodeStarterModel(encodeStarterModel({ ...m, logistic: null }));
    expect(bare.logistic).toBeNull();
  });

  it('trains and scores a token-views starter as the learner trains such a snapshot, and is left out for another feature set', () => {
    const views = { ...CONFIG, features: 'token-views' as const, maxWeight: 0.25, passes: 20 };
    const m = buildStarterModel(EXAMPLES, { source: 'unit', minCount: 1, logistic: views });
    const w = Array.from(m.logistic!.weights);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.25); // bounded as the config says
    expect(
      Math.max(
        ...Array.from(
          buildStarterModel(EXAMPLES, { source: 'unit', minCount: 1, logistic: { ...CONFIG, passes: 20 } })
            .logistic!.weights,
        ).map(Math.abs),
      ),
    ).toBeGreaterThan(0.25);
    const lr = starterLogistic(m, 12, 'token-views')!;
    expect(lr.options).toMatchObject({ views: true, maxWeight: 0.25 });
    expect(lr.score(Uint32Array.from([2, 3, 4]))).toBeGreaterThan(0);
    // a classifier computing one-view features would read these weights wrongly: no starter weights for it
    expect(starterLogistic(m, 12, 'tokens')).toBeNull();
    expect(
      starterLogistic(
        buildStarterModel(EXAMPLES, { source: 'unit', minCount: 1, logistic: CONFIG }),
        12,
        'token-views',
      ),
    ).toBeNull();
  });

  it('refuses damaged files whole', () => {
    const good = encodeStarterModel(
      buildStarterModel(EXAMPLES, { source: 'unit', minCount: 1, logistic: CONFIG }),
    );
    expect(() => decodeStarterModel(Buffer.from('not gzip'))).toThrow(/not gzip/);
    expect(() => decodeStarterModel(gzipSync(Buffer.from('XXXX\u0001')))).toThrow(/not an SFST/);
    const { gunzipSync } = jest.requireActual<typeof import('node:zlib')>('node:zlib');
    const raw = gunzipSync(good);
    expect(() => decodeStarterModel(gzipSync(raw.subarray(0, raw.length - 3)))).toThrow(
      /starter model|logistic weights/,
    );
  });
});
