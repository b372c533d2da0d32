/**
 * Builds ZIP archives byte by byte for the tests (PKWARE APPNOTE.TXT 6.3.10), including the ones no archiver
 * writes: encrypted entries, headers that lie about sizes, overlapping entries, ZIP64 records. The filter's reader
 * (apps/filter/src/checks/archive/zip-reader.ts) is tested against these, not against its own output.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipFileSpec {
  readonly name: string;
  readonly data?: Buffer | string;
  /** Default deflate. */
  readonly method?: 'store' | 'deflate';
  /** Traditional PKWARE encryption (flag bit 0; the "ciphertext" is random bytes), or WinZip AES (method 99). */
  readonly encrypted?: 'pkware' | 'aes';
  /** The uncompressed size written in the headers, when it should lie. */
  readonly declaredSize?: number;
  /** An Info-ZIP Unicode Path extra field (0x7075) with this name. */
  readonly unicodePath?: string;
}

export interface ZipOptions {
  /** Bytes before the archive (a self-extractor's stub). */
  readonly prefix?: Buffer;
  /** Write sizes and offsets through ZIP64 extra fields and the ZIP64 end records. */
  readonly zip64?: boolean;
}

interface Built {
  readonly local: Buffer;
  readonly central: (offset: number) => Buffer;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

function entry(spec: ZipFileSpec, zip64: boolean): Built {
  const raw = Buffer.isBuffer(spec.data) ? spec.data : Buffer.from(spec.data ?? '', 'utf8');
  const name = Buffer.from(spec.name, 'utf8');
  let method = spec.method === 'store' ? 0 : 8;
  let body = method === 8 ? deflateRawSync(raw) : raw;
  let flags = 0x800; // UTF-8 names
  let extra = Buffer.alloc(0);
  if (spec.encrypted === 'pkware') {
    flags |= 1;
    body = Buffer.concat([Buffer.alloc(12, 0x5a), Buffer.from(body.map((b) => b ^ 0xa5))]);
  } else if (spec.encrypted === 'aes') {
    // AE-2, AES-256, actual method deflate (WinZip's AES extra field 0x9901).
    extra = Buffer.concat([u16(0x9901), u16(7), u16(2), Buffer.from('AE'), Buffer.from([3]), u16(method)]);
    method = 99;
    body = Buffer.concat([
      Buffer.alloc(18, 0x11),
      Buffer.from(body.map((b) => b ^ 0x3c)),
      Buffer.alloc(10, 0x22),
    ]);
  }
  if (spec.unicodePath !== undefined) {
    const path = Buffer.from(spec.unicodePath, 'utf8');
    extra = Buffer.concat([
      extra,
      u16(0x7075),
      u16(5 + path.length),
      Buffer.from([1]),
      u32(crc32(name)),
      path,
    ]);
  }
  const size = spec.declaredSize ?? raw.length;
  const crc = crc32(raw);
  const common = (sizes: boolean): Buffer[] => [
    u16(zip64 ? 45 : 20),
    u16(flags),
    u16(method),
    u16(0),
    u16(0x21),
    u32(crc),
    u32(zip64 && sizes ? 0xffffffff : body.length),
    u32(zip64 && sizes ? 0xffffffff : size),
    u16(name.length),
  ];
  const localExtra = zip64 ? Buffer.concat([u16(1), u16(16), u64(size), u64(body.length), extra]) : extra;
  const local = Buffer.concat([
    u32(0x04034b50),
    ...common(true),
    u16(localExtra.length),
    name,
    localExtra,
    body,
  ]);
  const central = (offset: number): Buffer => {
    const cextra = zip64
      ? Buffer.concat([u16(1), u16(24), u64(size), u64(body.length), u64(offset), extra])
      : extra;
    return Buffer.concat([
      u32(0x02014b50),
      u16(0x031e),
      ...common(true),
      u16(cextra.length),
      u16(0),
      u16(0),
      u16(0),
      u32(0),
      u32(zip64 ? 0xffffffff : offset),
      name,
      cextra,
    ]);
  };
  return { local, central };
}

function endRecords(count: number, cdSize: number, cdOffset: number, zip64: boolean, cdEnd: number): Buffer {
  if (!zip64)
    return Buffer.concat([
      u32(0x06054b50),
      u16(0),
      u16(0),
      u16(count),
      u16(count),
      u32(cdSize),
      u32(cdOffset),
      u16(0),
    ]);
  const record = Buffer.concat([
    u32(0x06064b50),
    u64(44),
    u16(45),
    u16(45),
    u32(0),
    u32(0),
    u64(count),
    u64(count),
    u64(cdSize),
    u64(cdOffset),
  ]);
  const locator = Buffer.concat([u32(0x07064b50), u32(0), u64(cdEnd), u32(1)]);
  const eocd = Buffer.concat([
    u32(0x06054b50),
    u16(0xffff),
    u16(0xffff),
    u16(0xffff),
    u16(0xffff),
    u32(0xffffffff),
    u32(0xffffffff),
    u16(0),
  ]);
  return Buffer.concat([record, locator, eocd]);
}

/** A ZIP archive of these files, in order. */
export function buildZip(files: readonly ZipFileSpec[], options: ZipOptions = {}): Buffer {
  const zip64 = options.zip64 ?? false;
  const built = files.map((f) => entry(f, zip64));
  const locals: Buffer[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (const b of built) {
    offsets.push(at);
    locals.push(b.local);
    at += b.local.length;
  }
  const central = Buffer.concat(built.map((b, i) => b.central(offsets[i] as number)));
  const archive = Buffer.concat([
    ...locals,
    central,
    endRecords(files.length, central.length, at, zip64, at + central.length),
  ]);
  return options.prefix ? Buffer.concat([options.prefix, archive]) : archive;
}

/**
 * The non-recursive bomb's trick in miniature: `copies` central directory entries that all point at the one local
 * header, so a reader that trusts the directory inflates the same data `copies` times.
 */
export function overlappingZip(copies: number, data: Buffer): Buffer {
  const one = entry({ name: 'k', data }, false);
  const central = Buffer.concat(Array.from({ length: copies }, () => one.central(0)));
  return Buffer.concat([one.local, central, endRecords(copies, central.length, one.local.length, false, 0)]);
}
