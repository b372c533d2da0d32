import type { LogisticOptions } from './online-logistic';
import type { LogisticFeatureSet, SpamClassifierOptions } from './spam-classifier';

/**
 * How a snapshot of the logistic component was trained: the features (which decide what each weight means — a filter
 * must extract exactly these to use the weights) and the training options (recorded for operators). Stored as JSON
 * beside the weights (logistic_snapshot.config).
 */
export interface LogisticModelConfig {
  readonly features: LogisticFeatureSet;
  readonly bits: number;
  /** Body characters read for character 4-grams (meaningful for `grams+tokens` only). */
  readonly gramChars: number;
  readonly rate: number;
  readonly margin: number;
  readonly passes: number;
  /** Bound on |weight| in training (absent: none; snapshots before 2026-12 have none). */
  readonly maxWeight?: number;
}

/** The logistic configuration of classifier options, or null when the component is off. */
export function logisticModelConfig(options: SpamClassifierOptions): LogisticModelConfig | null {
  const lr = options.logistic;
  if (!lr) return null;
  return {
    features: options.logisticFeatures,
    bits: lr.bits,
    gramChars: options.gramChars,
    rate: lr.rate,
    margin: lr.margin,
    passes: options.passes,
    ...(lr.maxWeight !== undefined && Number.isFinite(lr.maxWeight) ? { maxWeight: lr.maxWeight } : {}),
  };
}

/**
 * Whether weights trained under `trained` can score features extracted under `current`: same feature set and hash
 * space (and the same 4-gram window when 4-grams are used). Training options (rate, margin, passes) do not matter.
 */
export function featuresMatch(trained: LogisticModelConfig, current: LogisticModelConfig): boolean {
  return (
    trained.features === current.features &&
    trained.bits === current.bits &&
    (trained.features !== 'grams+tokens' || trained.gramChars === current.gramChars)
  );
}

/**
 * The logistic options a snapshot's weights were trained with — and must be scored with: `token-views` weights are
 * summed per view.
 */
export function logisticOptionsOf(config: LogisticModelConfig): LogisticOptions {
  return {
    bits: config.bits,
    rate: config.rate,
    margin: config.margin,
    ...(config.features === 'token-views' ? { views: true } : {}),
    ...(config.maxWeight !== undefined ? { maxWeight: config.maxWeight } : {}),
  };
}

/** Whether the learner can rebuild the features from a training record's token ids (no message text needed). */
export function rebuildableFromTokens(features: LogisticFeatureSet): boolean {
  return features === 'tokens' || features === 'token-views';
}

/** Validates stored JSON; null when it is not a model configuration. */
export function readLogisticModelConfig(value: unknown): LogisticModelConfig | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (v.features !== 'tokens' && v.features !== 'grams+tokens' && v.features !== 'token-views') return null;
  if (!Number.isInteger(v.bits) || (v.bits as number) < 1 || (v.bits as number) > 28) return null;
  if (!num(v.gramChars) || !num(v.rate) || !num(v.margin) || !Number.isInteger(v.passes)) return null;
  if (v.maxWeight !== undefined && !(num(v.maxWeight) && v.maxWeight > 0)) return null;
  return {
    features: v.features,
    bits: v.bits as number,
    gramChars: v.gramChars,
    rate: v.rate,
    margin: v.margin,
    passes: v.passes as number,
    ...(v.maxWeight !== undefined ? { maxWeight: v.maxWeight as number } : {}),
  };
}

/*
 * The weights as bytes (logistic_snapshot.weights): a 12-byte header — "SFLR", format 1, the hash bits, the encoding
 * (0 dense, 1 sparse), a reserved 0, and a count — then either every Float32 (dense: count = 2^bits) or, for each
 * non-zero weight in ascending index order, the gap to the previous index as a LEB128 varint and the Float32 (sparse:
 * count = non-zero weights). Little-endian throughout. Token-id features leave most of the 2^20 weights at zero
 * (~1 MB sparse for sa-dev against 4 MiB dense); the encoder writes whichever is smaller. Float32 is what the model
 * computes with, so a round trip is exact.
 */
const MAGIC = [0x53, 0x46, 0x4c, 0x52]; // "SFLR"
const FORMAT = 1;
const HEADER = 12;
const DENSE = 0;
const SPARSE = 1;

export function encodeLogisticWeights(weights: Float32Array): Uint8Array {
  const bits = Math.log2(weights.length);
  if (!Number.isInteger(bits)) throw new Error(`weights length ${weights.length} is not a power of two`);
  let nonZero = 0;
  let sparseBytes = 0;
  let prev = -1;
  for (let i = 0; i < weights.length; i++) {
    if ((weights[i] as number) === 0) continue;
    nonZero++;
    sparseBytes += varintLength(i - prev) + 4;
    prev = i;
  }
  const sparse = sparseBytes < weights.length * 4;
  const out = new Uint8Array(HEADER + (sparse ? sparseBytes : weights.length * 4));
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = FORMAT;
  out[5] = bits;
  out[6] = sparse ? SPARSE : DENSE;
  out[7] = 0;
  view.setUint32(8, sparse ? nonZero : weights.length, true);
  let at = HEADER;
  if (!sparse) {
    for (let i = 0; i < weights.length; i++, at += 4) view.setFloat32(at, weights[i] as number, true);
    return out;
  }
  prev = -1;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    if (w === 0) continue;
    let gap = i - prev;
    prev = i;
    while (gap >= 0x80) {
      out[at++] = (gap & 0x7f) | 0x80;
      gap >>>= 7;
    }
    out[at++] = gap;
    view.setFloat32(at, w, true);
    at += 4;
  }
  return out;
}

/**
 * Decodes `encodeLogisticWeights`' bytes, expecting 2^`bits` weights. Throws on anything malformed (wrong magic or
 * format, other bits, an index out of range, a non-finite weight, trailing or missing bytes): a snapshot that does
 * not decode is refused whole, never half-loaded.
 */
export function decodeLogisticWeights(bytes: Uint8Array, bits: number): Float32Array {
  const fail = (why: string): never => {
    throw new Error(`logistic weights: ${why}`);
  };
  if (bytes.length < HEADER) fail(`${bytes.length} bytes, shorter than the header`);
  if (MAGIC.some((b, i) => bytes[i] !== b)) fail('not an SFLR blob');
  if (bytes[4] !== FORMAT) fail(`format ${String(bytes[4])}, expected ${FORMAT}`);
  if (bytes[5] !== bits) fail(`${String(bytes[5])} bits, expected ${bits}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = 1 << bits;
  const count = view.getUint32(8, true);
  const weights = new Float32Array(size);
  let at = HEADER;
  if (bytes[6] === DENSE) {
    if (count !== size || bytes.length !== HEADER + size * 4)
      fail(`dense blob of ${bytes.length} bytes for ${size} weights`);
    for (let i = 0; i < size; i++, at += 4) weights[i] = view.getFloat32(at, true);
  } else if (bytes[6] === SPARSE) {
    let index = -1;
    for (let n = 0; n < count; n++) {
      let gap = 0;
      let shift = 0;
      for (;;) {
        if (at >= bytes.length || shift > 28) fail('truncated index');
        const b = bytes[at++] as number;
        gap |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
      index += gap;
      if (gap === 0 || index >= size) fail(`index ${index} out of order or out of range`);
      if (at + 4 > bytes.length) fail('truncated weight');
      weights[index] = view.getFloat32(at, true);
      at += 4;
    }
    if (at !== bytes.length) fail(`${bytes.length - at} trailing bytes`);
  } else fail(`unknown encoding ${String(bytes[6])}`);
  for (let i = 0; i < size; i++)
    if (!Number.isFinite(weights[i] as number)) fail(`weight ${i} is not finite`);
  return weights;
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n >>>= 7;
    len++;
  }
  return len;
}
