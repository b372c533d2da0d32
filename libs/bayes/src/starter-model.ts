import { gunzipSync, gzipSync } from 'node:zlib';
import type { Label, ScopeTotals, ScopeView } from './bayes-store';
import { trainLogistic, type LogisticExample } from './logistic-training';
import {
  decodeLogisticWeights,
  encodeLogisticWeights,
  logisticOptionsOf,
  readLogisticModelConfig,
  type LogisticModelConfig,
} from './logistic-snapshot';
import { OnlineLogistic } from './online-logistic';
import type { LogisticFeatureSet } from './spam-classifier';
import { TokenTable } from './token-table';

/**
 * What a fresh installation knows before its users have marked anything: token statistics and logistic weights
 * learned from public corpora (bench/starter builds it; libs/bayes/starter/starter-model.bin ships it). It stands in
 * for the global layer while the provider's own is young, and gives way as it grows:
 * - Bayes: each token's starter f(w) is the PRIOR of the provider's global counts (Robinson's x, with strength
 *   `starterStrength` messages, BayesClassifier): a token the provider has never trained keeps the starter's view, a
 *   token the provider trained in n messages moves to the provider's evidence as n grows. It also gives a user's
 *   first marks a background (how common a word is in ham and spam) before the provider's global layer has one.
 * - logistic: the weights a filter scores with until the learner has a snapshot of its own, and the learner's
 *   starting point for that snapshot while the provider's training set is small (LOGISTIC_STARTER_UNTIL).
 * Only hashes and counts are kept: no text of any message.
 */
export interface StarterModel {
  /** Where it was learned from (shown to operators). */
  readonly source: string;
  /** Messages per class it was learned from. */
  readonly totals: ScopeTotals;
  /** Token id → messages per class (tokens seen in fewer than the build's `minCount` messages are left out). */
  readonly tokens: TokenTable;
  readonly logistic: { readonly config: LogisticModelConfig; readonly weights: Float32Array } | null;
}

export interface StarterExample {
  readonly tokens: Uint32Array;
  /** Hashed logistic features (tokenFeatures of the same ids). */
  readonly features: Uint32Array;
  readonly label: Label;
}

/** Builds a starter from labelled examples (in the order given: the logistic's first pass follows it). */
export function buildStarterModel(
  examples: readonly StarterExample[],
  options: {
    readonly source: string;
    readonly minCount: number;
    readonly logistic: LogisticModelConfig | null;
  },
): StarterModel {
  const counts = new Map<number, [number, number]>();
  let spam = 0;
  let ham = 0;
  for (const e of examples) {
    if (e.label === 'spam') spam++;
    else ham++;
    for (const t of new Set(e.tokens)) {
      const c = counts.get(t);
      if (c) c[e.label === 'spam' ? 0 : 1]++;
      else counts.set(t, e.label === 'spam' ? [1, 0] : [0, 1]);
    }
  }
  const kept = [...counts].filter(([, [s, h]]) => s + h >= options.minCount);
  const tokens = new TokenTable(kept.length);
  for (const [t, [s, h]] of kept) tokens.add(t >>> 0, s, h, 0);
  const lr = options.logistic;
  const logistic = lr
    ? {
        config: lr,
        weights: trainLogistic(
          examples.map((e): LogisticExample => ({ features: e.features, label: e.label })),
          // as the learner trains a snapshot of that configuration: two views and bounded weights for `token-views`
          logisticOptionsOf(lr),
          lr.passes,
        ).weights,
      }
    : null;
  return { source: options.source, totals: { spam, ham }, tokens, logistic };
}

/** The starter's counts of `ids`, as a store's ScopeView. */
export function starterView(model: StarterModel, ids: Uint32Array): ScopeView {
  const spam = new Uint32Array(ids.length);
  const ham = new Uint32Array(ids.length);
  const table = model.tokens;
  for (let i = 0; i < ids.length; i++) {
    const slot = table.find(ids[i] as number);
    if (slot >= 0) {
      spam[i] = table.spam(slot);
      ham[i] = table.ham(slot);
    }
  }
  return { totals: model.totals, spam, ham };
}

/**
 * A copy of the starter's logistic weights as a model to install or to warm-start a retrain from (null: none, or
 * weights of another hash size or — when `features` is given — another feature set than the classifier computes: one
 * view's weights read as two views' would score noise). Scored with the options they were trained with.
 */
export function starterLogistic(
  model: StarterModel | null,
  bits: number,
  features?: LogisticFeatureSet,
): OnlineLogistic | null {
  const lr = model?.logistic;
  if (!lr || lr.config.bits !== bits || (features !== undefined && lr.config.features !== features))
    return null;
  return new OnlineLogistic(logisticOptionsOf(lr.config), lr.weights.slice());
}

/*
 * File format (gzip of): "SFST", format 1 (one byte), then a LEB128 length and that many bytes of JSON metadata
 * ({ source, totals, tokens: count, logistic: config | null }), then per token in ascending id order the id gap, the
 * spam count and the ham count as LEB128 varints, then (when logistic is not null) encodeLogisticWeights' bytes.
 */
const MAGIC = [0x53, 0x46, 0x53, 0x54]; // "SFST"
const FORMAT = 1;

export function encodeStarterModel(model: StarterModel): Buffer {
  const out: number[] = [...MAGIC, FORMAT];
  const varint = (n: number): void => {
    while (n >= 0x80) {
      out.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
  };
  const entries: [number, number, number][] = [];
  const table = model.tokens;
  table.forEach((key, s, h) => entries.push([key, s, h]));
  entries.sort((a, b) => a[0] - b[0]);
  const meta = Buffer.from(
    JSON.stringify({
      source: model.source,
      totals: model.totals,
      tokens: entries.length,
      logistic: model.logistic?.config ?? null,
    }),
    'utf8',
  );
  varint(meta.length);
  for (const b of meta) out.push(b);
  let prev = 0;
  for (const [key, s, h] of entries) {
    varint(key - prev);
    prev = key;
    varint(s);
    varint(h);
  }
  const head = Buffer.from(out);
  const weights = model.logistic
    ? Buffer.from(encodeLogisticWeights(model.logistic.weights))
    : Buffer.alloc(0);
  return gzipSync(Buffer.concat([head, weights]), { level: 9 });
}

/** Decodes `encodeStarterModel`'s bytes; throws on anything malformed (a starter is loaded whole or not at all). */
export function decodeStarterModel(gz: Uint8Array): StarterModel {
  const fail = (why: string): never => {
    throw new Error(`starter model: ${why}`);
  };
  let bytes: Buffer;
  try {
    bytes = gunzipSync(gz);
  } catch {
    return fail('not gzip');
  }
  if (MAGIC.some((b, i) => bytes[i] !== b)) fail('not an SFST file');
  if (bytes[4] !== FORMAT) fail(`format ${String(bytes[4])}, expected ${FORMAT}`);
  let at = 5;
  const varint = (): number => {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) fail('truncated');
      const b = bytes[at++] as number;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
      if (scale > 2 ** 35) fail('varint too long');
    }
  };
  const metaLength = varint();
  if (at + metaLength > bytes.length) fail('truncated metadata');
  let meta: {
    source?: unknown;
    totals?: { spam?: unknown; ham?: unknown };
    tokens?: unknown;
    logistic?: unknown;
  };
  try {
    meta = JSON.parse(bytes.toString('utf8', at, at + metaLength)) as typeof meta;
  } catch {
    return fail('metadata is not JSON');
  }
  at += metaLength;
  const count = meta.tokens;
  const spam = meta.totals?.spam;
  const ham = meta.totals?.ham;
  if (!Number.isInteger(count) || !Number.isInteger(spam) || !Number.isInteger(ham))
    fail('metadata without counts');
  const tokens = new TokenTable(count as number);
  let key = 0;
  for (let i = 0; i < (count as number); i++) {
    key += varint();
    if (key > 0xffffffff) fail('token id out of range');
    tokens.add(key, varint(), varint(), 0);
  }
  const config = meta.logistic === null ? null : readLogisticModelConfig(meta.logistic);
  if (meta.logistic !== null && !config) fail('logistic configuration malformed');
  const logistic = config
    ? { config, weights: decodeLogisticWeights(bytes.subarray(at), config.bits) }
    : null;
  if (!config && at !== bytes.length) fail('trailing bytes');
  return {
    source: typeof meta.source === 'string' ? meta.source : 'unknown',
    totals: { spam: spam as number, ham: ham as number },
    tokens,
    logistic,
  };
}
