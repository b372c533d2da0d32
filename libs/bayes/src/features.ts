import type { ParsedMessage } from '@spamfilter/mail';
import { isMetaTokenId } from './tokenizer';

/**
 * Hashed binary features for the discriminative component: character 4-grams of the neutral headers (Subject, From
 * display name) and the first `maxChars` characters of the body, the family of features that led the TREC spam track
 * (Goodman & Yih 2006; Sculley & Wachman 2007). Duplicates are removed with a generation-stamped table, so a message
 * costs O(characters), not a hash set.
 */
export class CharGramFeatures {
  private readonly stamp: Uint32Array;
  private generation = 0;
  readonly mask: number;

  constructor(
    readonly bits: number = 20,
    readonly maxChars: number = 3000,
  ) {
    this.mask = (1 << bits) - 1;
    this.stamp = new Uint32Array(1 << bits);
  }

  /** Feature indices in [0, 2^bits). */
  extract(msg: ParsedMessage, extra: Uint32Array | null = null): Uint32Array {
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.stamp.fill(0);
      this.generation = 1;
    }
    const gen = this.generation;
    const mask = this.mask;
    const stamp = this.stamp;
    const text = `${msg.subject ?? ''}\u0001${msg.from?.name ?? ''}\u0002${msg.text.length > this.maxChars ? msg.text.slice(0, this.maxChars) : msg.text}`;
    const out = new Uint32Array(text.length + (extra ? extra.length : 0));
    let len = 0;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let prevSpace = false;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c <= 32) {
        if (prevSpace) continue;
        c = 32;
        prevSpace = true;
      } else {
        prevSpace = false;
        if (c >= 65 && c <= 90) c += 32;
      }
      if (i >= 3) {
        let h =
          Math.imul(c0, 0x9e3779b1) ^
          Math.imul(c1, 0x85ebca77) ^
          Math.imul(c2, 0xc2b2ae3d) ^
          Math.imul(c, 0x27d4eb2f);
        h ^= h >>> 15;
        h = Math.imul(h, 0x2c1b3c6d);
        h ^= h >>> 12;
        const f = h & mask;
        if (stamp[f] !== gen) {
          stamp[f] = gen;
          out[len++] = f;
        }
      }
      c0 = c1;
      c1 = c2;
      c2 = c;
    }
    if (extra) {
      for (let i = 0; i < extra.length; i++) {
        const f = ((extra[i] as number) ^ 0x5bd1e995) & mask;
        if (stamp[f] !== gen) {
          stamp[f] = gen;
          out[len++] = f;
        }
      }
    }
    return out.subarray(0, len);
  }
}

/**
 * The token-id features alone: each Bayes token id hashed into [0, 2^bits) exactly as `CharGramFeatures.extract` hashes
 * its `extra` ids, deduplicated. Signed (`id | 0`, as bayes_trained stores them) and unsigned ids give the same
 * features, so the learner can rebuild a message's features from its training record without the message.
 *
 * `views`: the top bit of the index says the view — 0 for words (body, subject, From name), 1 for structural tokens
 * (tokenizer.ts META_ID_TAG) — and OnlineLogistic learns and scores each view on its own (feature bagging, Sutton,
 * Sindelar & McCallum 2006): trained jointly, the few structural tokens that separate one corpus perfectly (Enron's
 * ham is all plain ASCII text with no links) take the weight the words would otherwise learn, and judge mail of
 * another source by that corpus's habits (bench/eval/README.md, "Generalising").
 */
export function tokenFeatures(ids: ArrayLike<number>, bits: number, views = false): Uint32Array {
  const mask = (1 << bits) - 1;
  const out = new Uint32Array(ids.length);
  if (views) {
    const half = mask >>> 1;
    const top = 1 << (bits - 1);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      out[i] = ((id ^ 0x5bd1e995) & half) | (isMetaTokenId(id >>> 0) ? top : 0);
    }
  } else for (let i = 0; i < ids.length; i++) out[i] = ((ids[i] as number) ^ 0x5bd1e995) & mask;
  out.sort();
  let len = 0;
  for (let i = 0; i < out.length; i++) if (i === 0 || out[i] !== out[i - 1]) out[len++] = out[i] as number;
  return out.subarray(0, len);
}
