import { inflateRawSync } from 'node:zlib';

/**
 * A bounded reader of ZIP central directories (PKWARE APPNOTE.TXT 6.3.10, cited as §), for looking at the names in an
 * archive without extracting anything to disk. It reads only what a mail filter needs: entry names, flags, methods and
 * sizes, and the bytes of one entry on request (to open a nested archive) under an output cap.
 *
 * Why our own and not a library: yauzl reads through callbacks (our analysis runs synchronously on a worker thread),
 * fflate's unzip filter does not show the encryption flag, and adm-zip inflates without an output cap. The format
 * part needed here is small and fixed; every length it reads is checked against the buffer, so hostile input gives
 * `{ ok: false }`, never an exception or an out-of-bounds read.
 */
export interface ZipEntry {
  /** The name as stored (§4.4.17), decoded as UTF-8 when general-purpose bit 11 says so, else byte for byte (CP437's ASCII range). */
  readonly name: string;
  /**
   * Further names for the same entry: the Info-ZIP Unicode Path extra field (0x7075, §4.6.9), which 7-Zip and
   * Windows show instead of `name` when present — an archive could otherwise show a harmless name to the filter only.
   */
  readonly altNames: readonly string[];
  /** General-purpose bit 0 (traditional PKWARE encryption, §4.4.4) or method 99 (WinZip AES). */
  readonly encrypted: boolean;
  /** §4.4.5: 0 stored, 8 deflated, 99 AES; others are not opened. */
  readonly method: number;
  readonly compressedSize: number;
  /** As declared; a hostile archive may lie, so inflating is always capped. */
  readonly uncompressedSize: number;
  /** Where the entry's local file header starts in the buffer (after adding any prefix, see readZipDirectory). */
  readonly localHeaderOffset: number;
}

export type ZipDirectory =
  | {
      readonly ok: true;
      readonly entries: readonly ZipEntry[];
      /**
       * Two entries' data overlap (or an entry points into another's): the construction of non-recursive zip bombs
       * (D. Fifield, "A better zip bomb", WOOT 2019), never produced by an archiver.
       */
      readonly overlapping: boolean;
    }
  | { readonly ok: false; readonly problem: string };

export type ZipEntryData =
  | { readonly ok: true; readonly data: Buffer }
  | {
      readonly ok: false;
      readonly problem: 'encrypted' | 'unsupported' | 'too-large' | 'size-mismatch' | 'corrupt';
      readonly detail: string;
    };

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;

/** A local file header or an empty archive's end record at the start: the bytes are a ZIP file (§4.3.6). */
export function looksLikeZip(head: Uint8Array): boolean {
  return (
    head.length >= 4 &&
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))
  );
}

const view = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** A 64-bit little-endian size, or -1 when it does not fit a safe integer (no buffer of ours is that large). */
function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
}

/** The end of central directory record (§4.3.16): the last signature whose comment length reaches the end exactly, else the last one. */
function findEocd(buf: Buffer): number {
  const lowest = Math.max(0, buf.length - EOCD_SIZE - MAX_COMMENT);
  let fallback = -1;
  for (let i = buf.length - EOCD_SIZE; i >= lowest; i--) {
    if (buf.readUInt32LE(i) !== SIG_EOCD) continue;
    if (i + EOCD_SIZE + buf.readUInt16LE(i + 20) === buf.length) return i;
    if (fallback < 0) fallback = i;
  }
  return fallback;
}

interface Directory {
  readonly entries: number;
  readonly size: number;
  readonly offset: number;
  /** Where the record that gives these numbers starts: the central directory ends right before it. */
  readonly recordAt: number;
}

/** The EOCD's numbers, or the ZIP64 end record's when the EOCD says to look there (§4.3.14, §4.3.15). */
function directoryOf(buf: Buffer, eocd: number): Directory | string {
  const entries = buf.readUInt16LE(eocd + 10);
  const size = buf.readUInt32LE(eocd + 12);
  const offset = buf.readUInt32LE(eocd + 16);
  if (entries !== 0xffff && size !== 0xffffffff && offset !== 0xffffffff)
    return { entries, size, offset, recordAt: eocd };
  const locator = eocd - 20;
  if (locator < 0 || buf.readUInt32LE(locator) !== SIG_ZIP64_LOCATOR) return 'ZIP64 locator missing';
  // Where the locator says the record is, or right before the locator when bytes before the archive shifted it.
  const said = u64(buf, locator + 8);
  const at = [said, locator - 56].find(
    (i) => i >= 0 && i + 56 <= locator && buf.readUInt32LE(i) === SIG_ZIP64_EOCD,
  );
  if (at === undefined) return 'ZIP64 end record missing';
  const e64 = u64(buf, at + 32);
  const s64 = u64(buf, at + 40);
  const o64 = u64(buf, at + 48);
  if (e64 < 0 || s64 < 0 || o64 < 0) return 'ZIP64 sizes out of range';
  return { entries: e64, size: s64, offset: o64, recordAt: at };
}

/** The ZIP64 extended information extra field (§4.5.3): 8-byte values for the header fields that hold 0xFFFFFFFF. */
function zip64Values(
  extra: Buffer,
  need: { uncompressed: boolean; compressed: boolean; offset: boolean },
): { uncompressed?: number; compressed?: number; offset?: number } | null {
  for (let i = 0; i + 4 <= extra.length;) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    const end = i + 4 + len;
    if (end > extra.length) return null;
    if (id === 0x0001) {
      const out: { uncompressed?: number; compressed?: number; offset?: number } = {};
      let p = i + 4;
      for (const field of ['uncompressed', 'compressed', 'offset'] as const) {
        if (!need[field]) continue;
        if (p + 8 > end) return null;
        const v = u64(extra, p);
        if (v < 0) return null;
        out[field] = v;
        p += 8;
      }
      return out;
    }
    i = end;
  }
  return null;
}

/** The Info-ZIP Unicode Path extra field (0x7075, §4.6.9): version 1, CRC-32 of the header name, UTF-8 name. */
function unicodePath(extra: Buffer): string | null {
  for (let i = 0; i + 4 <= extra.length;) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    const end = i + 4 + len;
    if (end > extra.length) return null;
    if (id === 0x7075 && len > 5 && extra[i + 4] === 1) return extra.toString('utf8', i + 9, end);
    i = end;
  }
  return null;
}

/**
 * Lists the entries of a ZIP archive from its central directory. Bounded by the buffer: the entry count a hostile
 * archive declares is never trusted beyond the bytes that are there (46 bytes at least per entry). Archives with
 * bytes before them (self-extracting executables) are read with the offsets shifted, as Info-ZIP does.
 */
export function readZipDirectory(bytes: Uint8Array): ZipDirectory {
  const buf = view(bytes);
  if (buf.length < EOCD_SIZE) return { ok: false, problem: 'too short for a ZIP archive' };
  const eocd = findEocd(buf);
  if (eocd < 0) return { ok: false, problem: 'no end of central directory record' };
  const dir = directoryOf(buf, eocd);
  if (typeof dir === 'string') return { ok: false, problem: dir };
  // Bytes before the archive: the directory really starts `prefix` bytes later than it says.
  const prefix = dir.recordAt - dir.size - dir.offset;
  if (prefix < 0) return { ok: false, problem: 'central directory outside the archive' };
  const start = dir.offset + prefix;
  const end = start + dir.size;
  if (dir.entries > dir.size / CENTRAL_SIZE)
    return { ok: false, problem: 'more entries declared than the central directory can hold' };

  const entries: ZipEntry[] = [];
  let p = start;
  for (let n = 0; n < dir.entries; n++) {
    if (p + CENTRAL_SIZE > end || buf.readUInt32LE(p) !== SIG_CENTRAL)
      return { ok: false, problem: `central directory entry ${n} malformed` };
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    let uncompressedSize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localHeaderOffset = buf.readUInt32LE(p + 42);
    const next = p + CENTRAL_SIZE + nameLen + extraLen + commentLen;
    if (next > end) return { ok: false, problem: `central directory entry ${n} runs past the directory` };
    const nameBytes = buf.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLen);
    const extra = buf.subarray(p + CENTRAL_SIZE + nameLen, p + CENTRAL_SIZE + nameLen + extraLen);
    const need = {
      uncompressed: uncompressedSize === 0xffffffff,
      compressed: compressedSize === 0xffffffff,
      offset: localHeaderOffset === 0xffffffff,
    };
    if (need.uncompressed || need.compressed || need.offset) {
      const z = zip64Values(extra, need);
      if (!z) return { ok: false, problem: `entry ${n}: ZIP64 extra field missing or malformed` };
      uncompressedSize = z.uncompressed ?? uncompressedSize;
      compressedSize = z.compressed ?? compressedSize;
      localHeaderOffset = z.offset ?? localHeaderOffset;
    }
    // Bit 11: the name is UTF-8 (§4.4.4, Appendix D); otherwise CP437, whose ASCII range (all an extension needs) latin1 reads alike.
    const name = nameBytes.toString(flags & 0x800 ? 'utf8' : 'latin1');
    const alt = unicodePath(extra);
    entries.push({
      name,
      altNames: alt !== null && alt !== name ? [alt] : [],
      encrypted: (flags & 1) === 1 || method === 99,
      method,
      compressedSize,
      uncompressedSize,
      localHeaderOffset: localHeaderOffset + prefix,
    });
    p = next;
  }
  const overlapping = overlaps(buf, entries, start);
  if (overlapping === null) return { ok: false, problem: 'a local file header is missing or malformed' };
  return { ok: true, entries, overlapping };
}

/** Where an entry's data starts (after its local header, §4.3.7), or -1 when the header or the data is not all there. */
export function entryDataOffset(bytes: Uint8Array, entry: ZipEntry): number {
  const buf = view(bytes);
  const at = entry.localHeaderOffset;
  if (at + LOCAL_SIZE > buf.length || buf.readUInt32LE(at) !== SIG_LOCAL) return -1;
  const start = at + LOCAL_SIZE + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  return start + entry.compressedSize > buf.length ? -1 : start;
}

/** Whether any entry's local header lies inside the span of the entry before it (by offset); null: a local header is missing. */
function overlaps(buf: Buffer, entries: readonly ZipEntry[], directoryStart: number): boolean | null {
  const spans: [number, number][] = [];
  for (const e of entries) {
    const start = entryDataOffset(buf, e);
    if (start < 0) return null;
    spans.push([e.localHeaderOffset, start + e.compressedSize]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < spans.length; i++) {
    const [from, to] = spans[i] as [number, number];
    if (to > directoryStart) return true;
    if (i > 0 && from < (spans[i - 1] as [number, number])[1]) return true;
  }
  return false;
}

/**
 * The bytes of one entry, at most `maxBytes` of them: stored entries are sliced, deflated ones inflated with
 * node:zlib's `maxOutputLength`, so a bomb stops at the cap instead of filling memory. An entry that inflates past
 * its declared size (a lying header) is `size-mismatch`; past `maxBytes`, `too-large`.
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, maxBytes: number): ZipEntryData {
  const buf = view(bytes);
  if (entry.encrypted) return { ok: false, problem: 'encrypted', detail: 'encrypted entry' };
  if (entry.method !== 0 && entry.method !== 8)
    return { ok: false, problem: 'unsupported', detail: `compression method ${entry.method}` };
  const start = entryDataOffset(buf, entry);
  if (start < 0)
    return { ok: false, problem: 'corrupt', detail: 'local header missing or data past the end' };
  const compressed = buf.subarray(start, start + entry.compressedSize);
  if (entry.uncompressedSize > maxBytes)
    return {
      ok: false,
      problem: 'too-large',
      detail: `declares ${entry.uncompressedSize} bytes, more than ${maxBytes}`,
    };
  if (entry.method === 0) {
    if (compressed.length !== entry.uncompressedSize)
      return { ok: false, problem: 'size-mismatch', detail: 'stored entry whose sizes differ' };
    return { ok: true, data: compressed };
  }
  // One byte more than declared is enough to catch a header that understates the size.
  const cap = Math.max(1, Math.min(maxBytes, entry.uncompressedSize + 1));
  let data: Buffer;
  try {
    data = inflateRawSync(compressed, { maxOutputLength: cap });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return {
        ok: false,
        problem: 'size-mismatch',
        detail: `inflates past its declared ${entry.uncompressedSize} bytes`,
      };
    }
    return {
      ok: false,
      problem: 'corrupt',
      detail: `inflate: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if (data.length !== entry.uncompressedSize)
    return {
      ok: false,
      problem: 'size-mismatch',
      detail: `inflates to ${data.length} bytes, declares ${entry.uncompressedSize}`,
    };
  return { ok: true, data };
}
