import { registrableDomain, type ParsedMessage } from '@spamfilter/mail';
import { hashToken } from './hash';

/**
 * Tokens of a decoded message for the Bayes model. Every token carries a source prefix so the same word in the
 * subject and the body are different evidence: (none) body word, `s:` subject, `f:` From display name, `b:` bigram,
 * `u:`/`ud:`/`ut:` URL host / registrable domain / TLD, `a:` attachment, `H:` HTML structure, `ct:` content headers,
 * `h:` any header (headers=all), `m:` message facts (defects, truncation).
 */
export type HeaderSet = 'neutral' | 'all';

export interface TokenizerOptions {
  /**
   * `neutral`: Subject, From display name and content headers only — nothing a corpus's collection path leaves
   * (no Received, no X-*), so a corpus's headers cannot give its labels away. `all`: every header.
   */
  readonly headers: HeaderSet;
  readonly minWordLength: number;
  readonly maxWordLength: number;
  /** Words (occurrences) read from the body; the rest is ignored. Bounds time on a million-token message. */
  readonly maxWords: number;
  /** Orthogonal sparse bigrams: pairs of words up to this distance apart (0 = off). */
  readonly osbWindow: number;
  /**
   * Experiment (bench/eval `--opt urlWords=1`; default false): also cut body words out of URLs and e-mail addresses,
   * as before 2026-12. By default they are blanked first: a URL already has its own tokens (`u:`, `ud:`, `ut:`), and
   * its pieces as words ("http", "www", "com", "net", a list's footer links) were what a model trained on one corpus
   * leaned on most when it judged mail of another (bench/eval/README.md, "Generalising").
   */
  readonly urlWords?: boolean;
}

export const DEFAULT_TOKENIZER: TokenizerOptions = {
  headers: 'neutral',
  minWordLength: 3,
  maxWordLength: 30,
  maxWords: 5000,
  osbWindow: 0,
};

/**
 * Structural ("meta") tokens — content headers (`ct:`), URL facts (`u:`, `ud:`, `ut:`), attachments (`a:`), HTML
 * structure (`H:`), message facts (`m:`) and any header (`h:`) — carry this top byte in their id, so that anything
 * holding only ids (the learner's training records) can tell them from words, subject and From-name tokens: the
 * logistic component learns the two as separate views (features.ts `tokenFeatures`). A word whose hash happens to
 * start with this byte (1 in 256) counts as meta; nothing else depends on it.
 */
export const META_ID_TAG = 0xa5;

/** Whether a token id is a structural token's (see META_ID_TAG). */
export function isMetaTokenId(id: number): boolean {
  return id >>> 24 === META_ID_TAG;
}

/** The id of a token: its 32-bit FNV-1a hash, with the top byte set to META_ID_TAG for structural tokens. */
export function tokenId(name: string, meta: boolean): number {
  const h = hashToken(name);
  return meta ? ((h & 0x00ffffff) | (META_ID_TAG << 24)) >>> 0 : h;
}

/** Distinct tokens of a message: their 32-bit hashes, and the names for explanations. */
export interface TokenSet {
  readonly ids: Uint32Array;
  readonly names: readonly string[];
}

const CJK = /^[\u3040-\u9fff\uac00-\ud7af]+$/;
const CONTENT_HEADERS = new Set([
  'content-type',
  'content-transfer-encoding',
  'mime-version',
  'content-disposition',
]);
const MAX_HEADER_WORDS = 30;
/** Distinct tokens kept per message (half the dedupe table, so probing stays short). */
const MAX_TOKENS = 1 << 15;
const SEEN_BITS = 16;
const SEEN_MASK = (1 << SEEN_BITS) - 1;
const seenKey = new Uint32Array(1 << SEEN_BITS);
const seenStamp = new Uint32Array(1 << SEEN_BITS);
let generation = 0;

/** A fresh stamp for the dedupe table (tokenize is synchronous, so one table serves every call). */
function nextGeneration(): number {
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    seenStamp.fill(0);
    generation = 1;
  }
  return generation;
}

/** Word characters: ASCII letters and digits, `$ ' _ -`, and letters beyond Latin-1 punctuation. */
function isWordChar(c: number): boolean {
  if (c < 128)
    return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 36 || c === 39 || c === 95 || c === 45;
  if (c < 0xc0) return c === 0xa3 || c === 0xa5;
  if (c >= 0x2000 && c <= 0x206f) return false; // general punctuation
  if (c >= 0x3000 && c <= 0x303f) return false; // CJK punctuation
  if (c >= 0xff00 && c <= 0xff0f) return false; // full-width punctuation
  return c !== 0xd7 && c !== 0xf7;
}

function isTrim(c: number): boolean {
  return c === 39 || c === 45 || c === 95;
}

function words(text: string, opts: TokenizerOptions, limit: number, out: (w: string) => void): number {
  // a word is rarely longer than 16 characters with its separator: lower-case only what `limit` words can use
  const lower = (text.length > limit * 16 ? text.slice(0, limit * 16) : text).toLowerCase();
  const n = lower.length;
  let count = 0;
  let i = 0;
  while (i < n && count < limit) {
    while (i < n && !isWordChar(lower.charCodeAt(i))) i++;
    let a = i;
    while (i < n && isWordChar(lower.charCodeAt(i))) i++;
    let b = i;
    // trim punctuation the class allows inside words
    while (a < b && isTrim(lower.charCodeAt(a))) a++;
    while (b > a && isTrim(lower.charCodeAt(b - 1))) b--;
    const len = b - a;
    if (len === 0) continue;
    count++;
    const c0 = lower.charCodeAt(a);
    if (c0 >= 0x3040) {
      const w = lower.slice(a, b);
      if (CJK.test(w)) {
        // No spaces between CJK words: overlapping character bigrams stand in for words.
        for (let k = 0; k + 1 < len && k < 60; k++) out(w.slice(k, k + 2));
        continue;
      }
    }
    if (len > opts.maxWordLength) {
      // SpamBayes' "skip" token: long runs (base64 junk, hashes) by first char and length bucket
      out(`L:${lower.charAt(a)}${Math.floor(len / 10)}`);
      continue;
    }
    if (c0 >= 48 && c0 <= 57) {
      let k = a + 1;
      while (k < b && lower.charCodeAt(k) >= 48 && lower.charCodeAt(k) <= 57) k++;
      if (k === b) {
        out(`N${len > 6 ? 7 : len}`);
        continue;
      }
    }
    if (len < opts.minWordLength && c0 < 0x3040) continue;
    out(lower.slice(a, b));
  }
  return count;
}

/** Characters a URL runs over (it ends at whitespace, quotes, angle brackets or a closing parenthesis/bracket). */
function inUrl(c: number): boolean {
  return c > 32 && c !== 60 && c !== 62 && c !== 34 && c !== 39 && c !== 41 && c !== 93 && c !== 0xa0;
}

/** Characters of an e-mail address's local part or domain ([A-Za-z0-9._%+-]). */
function inAddress(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 46 ||
    c === 95 ||
    c === 37 ||
    c === 43 ||
    c === 45
  );
}

/**
 * The text with URLs (scheme://…, www.…) and e-mail addresses blanked, first `limit` characters only (the rest is not
 * read). Found from their anchors (`://`, `www.`, `@`) with indexOf and widened by hand: a regular expression tried at
 * every position cost more than the rest of tokenizing (50 µs a message on sa-dev).
 */
export function blankAddresses(text: string, limit: number): string {
  const t = text.length > limit ? text.slice(0, limit) : text;
  const ranges: number[] = [];
  const mark = (from: number, to: number): void => {
    if (to > from) ranges.push(from, to);
  };
  for (let i = t.indexOf('://'); i >= 0; i = t.indexOf('://', i + 3)) {
    let a = i;
    while (a > 0 && a > i - 10 && /[a-z]/i.test(t.charAt(a - 1))) a--;
    let b = i + 3;
    while (b < t.length && inUrl(t.charCodeAt(b))) b++;
    if (a < i) mark(a, b);
  }
  for (const www of ['www.', 'WWW.', 'Www.']) {
    for (let i = t.indexOf(www); i >= 0; i = t.indexOf(www, i + 4)) {
      if (i > 0 && inAddress(t.charCodeAt(i - 1)) && t.charAt(i - 1) !== '.') continue;
      let b = i + 4;
      while (b < t.length && inUrl(t.charCodeAt(b))) b++;
      mark(i, b);
    }
  }
  for (let i = t.indexOf('@'); i >= 0; i = t.indexOf('@', i + 1)) {
    let a = i;
    while (a > 0 && a > i - 64 && inAddress(t.charCodeAt(a - 1))) a--;
    let b = i + 1;
    let dot = false;
    while (b < t.length && b < i + 254 && inAddress(t.charCodeAt(b))) {
      if (t.charCodeAt(b) === 46 && b > i + 1) dot = true;
      b++;
    }
    if (a < i && dot) mark(a, b);
  }
  if (ranges.length === 0) return t;
  // ranges may overlap (a URL holding an address): merge in order of start
  const order = Array.from({ length: ranges.length / 2 }, (_, k) => k).sort(
    (x, y) => (ranges[2 * x] as number) - (ranges[2 * y] as number),
  );
  let out = '';
  let at = 0;
  for (const k of order) {
    const from = ranges[2 * k] as number;
    const to = ranges[2 * k + 1] as number;
    if (to <= at) continue;
    if (from > at) out += t.slice(at, from);
    out += ' ';
    at = Math.max(at, to);
  }
  return out + t.slice(at);
}

function bucket(n: number): number {
  return n <= 0 ? 0 : Math.min(9, Math.floor(Math.log2(n + 1)));
}

/** Tokenizes a parsed message; bounded by `maxWords` and the parser's own limits. */
export function tokenize(msg: ParsedMessage, opts: TokenizerOptions = DEFAULT_TOKENIZER): TokenSet {
  const names: string[] = [];
  const ids: number[] = [];
  const gen = nextGeneration();
  // Dedupe on the 32-bit id itself (the model keys on it, so two names with one id are one token anyway).
  const add = (t: string, meta = false): void => {
    const h = tokenId(t, meta);
    let i = Math.imul(h, 0x9e3779b1) >>> (32 - SEEN_BITS);
    while (seenStamp[i] === gen) {
      if (seenKey[i] === h) return;
      i = (i + 1) & SEEN_MASK;
    }
    if (ids.length >= MAX_TOKENS) return;
    seenStamp[i] = gen;
    seenKey[i] = h;
    names.push(t);
    ids.push(h);
  };

  // Subject and From display name
  if (msg.subject === null || msg.subject.trim() === '') add('s:(none)');
  else words(msg.subject, opts, 100, (w) => add(`s:${w}`));
  if (msg.from && msg.from.name !== '') words(msg.from.name, opts, 20, (w) => add(`f:${w}`));

  // Headers
  const meta = (t: string): void => add(t, true);
  for (const h of msg.headers) {
    if (opts.headers === 'all') {
      if (h.name === 'subject') continue;
      meta(`h:${h.name}`);
      words(h.value, opts, MAX_HEADER_WORDS, (w) => meta(`h:${h.name}:${w}`));
    } else if (CONTENT_HEADERS.has(h.name)) {
      const v = h.value.toLowerCase();
      const semi = v.indexOf(';');
      meta(`ct:${h.name}:${(semi < 0 ? v : v.slice(0, semi)).trim().slice(0, 60)}`);
      const cs = /charset\s*=\s*"?([^";\s]+)/.exec(v);
      if (cs) meta(`ct:charset:${(cs[1] as string).slice(0, 40)}`);
    }
  }

  // Body words, and orthogonal sparse bigrams (Siefkes et al. 2004) when enabled
  const window = opts.osbWindow;
  const body = opts.urlWords ? msg.text : blankAddresses(msg.text, opts.maxWords * 16);
  if (window > 0) {
    const ring: string[] = [];
    words(body, opts, opts.maxWords, (w) => {
      add(w);
      for (let d = 1; d <= window && d <= ring.length; d++)
        add(`b:${ring[ring.length - d]}${' *'.repeat(d - 1)} ${w}`);
      ring.push(w);
      if (ring.length > window) ring.shift();
    });
  } else {
    words(body, opts, opts.maxWords, (w) => add(w));
  }

  // URLs
  let mismatch = false;
  for (const link of msg.links) {
    if (link.host === '') {
      if (link.url.toLowerCase().startsWith('mailto:')) meta('u:mailto');
      continue;
    }
    meta(`u:${link.host}`);
    const dom = registrableDomain(link.host);
    meta(`ud:${dom}`);
    const dot = dom.lastIndexOf('.');
    meta(`ut:${dot >= 0 ? dom.slice(dot + 1) : dom}`);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(link.host)) meta('u:(ip)');
    if (link.text !== null && /^(https?:\/\/|www\.)/i.test(link.text.trim())) {
      const shown = /^(?:https?:\/\/)?([^/\s:?#]+)/i.exec(link.text.trim());
      if (shown && registrableDomain((shown[1] as string).toLowerCase()) !== dom) mismatch = true;
    }
  }
  meta(`u:count${bucket(msg.links.length)}`);
  if (mismatch) meta('u:text-mismatch');

  // Attachments
  for (const att of msg.attachments) {
    meta(`a:${att.contentType}`);
    const dot = att.filename.lastIndexOf('.');
    if (dot >= 0 && dot < att.filename.length - 1)
      meta(
        `a:.${att.filename
          .slice(dot + 1)
          .toLowerCase()
          .slice(0, 10)}`,
      );
  }

  // HTML structure
  if (msg.hasHtmlPart) {
    meta(msg.hasTextPart ? 'H:alternative' : 'H:only');
    for (const f of msg.htmlFeatures ?? []) meta(`H:${f}`);
    const density = (msg.htmlTagCount ?? 0) / Math.max(1, msg.text.length / 100);
    meta(`H:density${bucket(density)}`);
  }

  // Message facts
  for (const d of msg.defects) meta(`m:${d.replace(/ [^ ]*$/, '').slice(0, 40)}`);
  if (msg.truncated) meta('m:truncated');
  if (msg.text.length === 0) meta('m:empty-text');

  return { ids: Uint32Array.from(ids), names };
}
