/**
 * Fuzzy fingerprints of messages for campaigns across users (rspamd's fuzzy storage, tied to marks): a MinHash
 * signature of the message's set of Bayes token ids (words, and the neutral headers' tokens). Two messages' share of
 * equal signature values estimates the Jaccard similarity of their token sets (Broder 1997), so the variants of one
 * campaign — another greeting, a random line, a new Message-ID — stay close while unrelated mail does not. Locality-
 * sensitive banding finds candidates without comparing against every signature: `BANDS` bands of `ROWS` values each;
 * two messages of similarity s share at least one band with probability 1 − (1 − s^ROWS)^BANDS (≈ 0.98 at s = 0.6,
 * 0.4 at s = 0.3). Only these hashes are ever stored or sent, never text.
 */
export const SIGNATURE_SIZE = 32;
export const ROWS = 4;
export const BANDS = SIGNATURE_SIZE / ROWS;
/** Messages with fewer distinct tokens get no signature: a few words make every short message look alike. */
export const MIN_SIGNATURE_TOKENS = 20;

/** Per-position seeds (fixed: signatures must agree across processes and versions). */
const SEEDS = Uint32Array.from({ length: SIGNATURE_SIZE }, (_, i) =>
  fmix32(0x9747b28c + Math.imul(i + 1, 0x85ebca6b)),
);

/** MurmurHash3's 32-bit finalizer: a cheap, well-mixed permutation of 32-bit values. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The signature of a message's token ids, or null when it has fewer than MIN_SIGNATURE_TOKENS distinct ones. */
export function campaignSignature(tokenIds: ArrayLike<number>): Uint32Array | null {
  const distinct = new Set<number>();
  for (let i = 0; i < tokenIds.length; i++) distinct.add((tokenIds[i] as number) >>> 0);
  if (distinct.size < MIN_SIGNATURE_TOKENS) return null;
  const sig = new Uint32Array(SIGNATURE_SIZE).fill(0xffffffff);
  for (const t of distinct) {
    for (let i = 0; i < SIGNATURE_SIZE; i++) {
      const h = fmix32(t ^ (SEEDS[i] as number));
      if (h < (sig[i] as number)) sig[i] = h;
    }
  }
  return sig;
}

/** Estimated Jaccard similarity of the two messages: the share of equal positions. */
export function signatureSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < SIGNATURE_SIZE; i++) if (a[i] === b[i]) same++;
  return same / SIGNATURE_SIZE;
}

/** The signature's band keys (one 32-bit signed integer per band, the band's number mixed in). */
export function signatureBands(sig: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let b = 0; b < BANDS; b++) {
    let h = fmix32(0x5f356495 ^ b);
    for (let r = 0; r < ROWS; r++) h = fmix32(h ^ (sig[b * ROWS + r] as number));
    out.push(h | 0);
  }
  return out;
}

/** Hex text of a signature (what the tables and events carry). */
export function encodeSignature(sig: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < SIGNATURE_SIZE; i++) s += ((sig[i] as number) >>> 0).toString(16).padStart(8, '0');
  return s;
}

/** Parses `encodeSignature`'s text; null when it is not one. */
export function decodeSignature(text: unknown): Uint32Array | null {
  if (typeof text !== 'string' || !/^[0-9a-f]+$/.test(text) || text.length !== SIGNATURE_SIZE * 8)
    return null;
  const sig = new Uint32Array(SIGNATURE_SIZE);
  for (let i = 0; i < SIGNATURE_SIZE; i++) sig[i] = Number.parseInt(text.slice(i * 8, i * 8 + 8), 16);
  return sig;
}

/**
 * An in-memory index of signatures by band: what a filter keeps of the active campaigns. `match` returns the most
 * similar entry at or above `minSimilarity`, verified against its full signature (a shared band is only a candidate).
 */
export class SignatureIndex<T> {
  private readonly entries = new Map<string, { sig: Uint32Array; value: T; bands: number[] }>();
  private readonly byBand = new Map<number, Set<string>>();

  get size(): number {
    return this.entries.size;
  }

  set(id: string, sig: Uint32Array, value: T): void {
    this.delete(id);
    const bands = signatureBands(sig);
    this.entries.set(id, { sig, value, bands });
    for (const b of bands) {
      let ids = this.byBand.get(b);
      if (!ids) this.byBand.set(b, (ids = new Set()));
      ids.add(id);
    }
  }

  delete(id: string): boolean {
    const e = this.entries.get(id);
    if (!e) return false;
    for (const b of e.bands) {
      const ids = this.byBand.get(b);
      ids?.delete(id);
      if (ids?.size === 0) this.byBand.delete(b);
    }
    this.entries.delete(id);
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.byBand.clear();
  }

  match(sig: Uint32Array, minSimilarity: number): { id: string; value: T; similarity: number } | null {
    let best: { id: string; value: T; similarity: number } | null = null;
    const seen = new Set<string>();
    for (const b of signatureBands(sig)) {
      for (const id of this.byBand.get(b) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        const e = this.entries.get(id);
        if (!e) continue;
        const s = signatureSimilarity(sig, e.sig);
        if (s >= minSimilarity && (!best || s > best.similarity))
          best = { id, value: e.value, similarity: s };
      }
    }
    return best;
  }
}

/**
 * The payload of a 'campaign' ModelChangeEvent (libs/domain; topic spamfilter.model.v1): a campaign confirmed
 * (`add`, with its signature) or withdrawn (`remove`: its marks were undone, or it expired). Filters apply both
 * idempotently by id and reload the whole set from the database now and then, so a missed event heals.
 */
export type CampaignChange =
  | { readonly op: 'add'; readonly id: string; readonly signature: string; readonly voters: number }
  | { readonly op: 'remove'; readonly id: string };

/** The change an event carries, or null when it is malformed. */
export function campaignChangeOf(payload: Readonly<Record<string, unknown>>): CampaignChange | null {
  const p = payload as Partial<{ op: unknown; id: unknown; signature: unknown; voters: unknown }>;
  if (typeof p.id !== 'string' || p.id === '') return null;
  if (p.op === 'remove') return { op: 'remove', id: p.id };
  if (p.op === 'add' && decodeSignature(p.signature) && Number.isInteger(p.voters))
    return { op: 'add', id: p.id, signature: p.signature as string, voters: p.voters as number };
  return null;
}
