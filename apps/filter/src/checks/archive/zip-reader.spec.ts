import { buildZip, overlappingZip } from '../../../../../test/antivirus/zip-builder';
import { looksLikeZip, readZipDirectory, readZipEntry, type ZipEntry } from './zip-reader';

const listed = (zip: Buffer): ZipEntry[] => {
  const dir = readZipDirectory(zip);
  if (!dir.ok) throw new Error(dir.problem);
  return [...dir.entries];
};

describe('readZipDirectory', () => {
  it('lists stored and deflated entries with their sizes, without touching the data', () => {
    const zip = buildZip([
      { name: 'notes.txt', data: 'hello '.repeat(100) },
      { name: 'bin/setup.exe', data: Buffer.from('4d5a9000', 'hex'), method: 'store' },
    ]);
    expect(looksLikeZip(zip)).toBe(true);
    const dir = readZipDirectory(zip);
    expect(dir).toMatchObject({ ok: true, overlapping: false });
    expect(
      listed(zip).map(({ name, method, uncompressedSize, encrypted }) => ({
        name,
        method,
        uncompressedSize,
        encrypted,
      })),
    ).toEqual([
      { name: 'notes.txt', method: 8, uncompressedSize: 600, encrypted: false },
      { name: 'bin/setup.exe', method: 0, uncompressedSize: 4, encrypted: false },
    ]);
  });

  it('marks traditionally encrypted and AES entries', () => {
    const entries = listed(
      buildZip([
        { name: 'a.doc', data: 'x', encrypted: 'pkware' },
        { name: 'b.doc', data: 'y', encrypted: 'aes' },
        { name: 'c.txt', data: 'z' },
      ]),
    );
    expect(entries.map((e) => [e.name, e.encrypted, e.method])).toEqual([
      ['a.doc', true, 8],
      ['b.doc', true, 99],
      ['c.txt', false, 8],
    ]);
  });

  it('reads ZIP64 records and archives with bytes before them (self-extractors)', () => {
    const zip = buildZip(
      [
        { name: 'a.txt', data: 'a' },
        { name: 'b.bin', data: Buffer.alloc(5000, 1) },
      ],
      { zip64: true, prefix: Buffer.from('MZ self-extractor stub') },
    );
    expect(looksLikeZip(zip)).toBe(false);
    const entries = listed(zip);
    expect(entries.map((e) => [e.name, e.uncompressedSize])).toEqual([
      ['a.txt', 1],
      ['b.bin', 5000],
    ]);
    const b = readZipEntry(zip, entries[1] as ZipEntry, 10_000);
    expect(b.ok && b.data.equals(Buffer.alloc(5000, 1))).toBe(true);
  });

  it('reports the Unicode Path name beside the stored one', () => {
    const [e] = listed(buildZip([{ name: 'invoice.pdf', data: 'x', unicodePath: 'invoice.pdf.exe' }]));
    expect(e?.name).toBe('invoice.pdf');
    expect(e?.altNames).toEqual(['invoice.pdf.exe']);
  });

  it('finds entries that share data (the non-recursive bomb construction)', () => {
    expect(readZipDirectory(overlappingZip(50, Buffer.alloc(100_000)))).toMatchObject({
      ok: true,
      overlapping: true,
    });
  });

  it('gives a problem, never an exception, for truncated, corrupt or lying archives', () => {
    const zip = buildZip([
      { name: 'a.txt', data: 'hello' },
      { name: 'b.txt', data: 'world' },
    ]);
    const problems: string[] = [];
    for (let cut = 0; cut < zip.length; cut++) {
      const dir = readZipDirectory(zip.subarray(0, cut));
      if (!dir.ok) problems.push(dir.problem);
    }
    expect(problems).toHaveLength(zip.length);
    // Every single-byte change either still reads or is refused with a reason.
    for (let i = 0; i < zip.length; i++) {
      for (const v of [0x00, 0xff]) {
        const bad = Buffer.from(zip);
        bad[i] = v;
        const dir = readZipDirectory(bad);
        if (dir.ok) for (const e of dir.entries) expect(() => readZipEntry(bad, e, 1000)).not.toThrow();
        else expect(dir.problem.length).toBeGreaterThan(0);
      }
    }
    // An end record that declares 65,535 entries in a directory of two.
    const lying = Buffer.from(zip);
    lying.writeUInt16LE(0xffff - 1, lying.length - 12);
    expect(readZipDirectory(lying)).toMatchObject({ ok: false });
    expect(readZipDirectory(Buffer.from('PK\x03\x04 not really'))).toEqual({
      ok: false,
      problem: 'too short for a ZIP archive',
    });
  });
});

describe('readZipEntry', () => {
  it('returns stored and deflated data', () => {
    const zip = buildZip([
      { name: 'a', data: 'stored', method: 'store' },
      { name: 'b', data: 'deflated '.repeat(50) },
    ]);
    const [a, b] = listed(zip) as [ZipEntry, ZipEntry];
    expect(readZipEntry(zip, a, 100)).toEqual({ ok: true, data: Buffer.from('stored') });
    const got = readZipEntry(zip, b, 1000);
    expect(got.ok && got.data.toString()).toBe('deflated '.repeat(50));
  });

  it('stops a bomb at the cap: declared too large, or inflating past a size it understates', () => {
    const big = buildZip([{ name: 'zeros', data: Buffer.alloc(10 * 1024 * 1024) }]);
    const [e] = listed(big) as [ZipEntry];
    expect(big.length).toBeLessThan(20_000);
    expect(readZipEntry(big, e, 1024 * 1024)).toMatchObject({ ok: false, problem: 'too-large' });

    const lying = buildZip([{ name: 'zeros', data: Buffer.alloc(10 * 1024 * 1024), declaredSize: 1000 }]);
    const [l] = listed(lying) as [ZipEntry];
    const before = process.memoryUsage().arrayBuffers;
    expect(readZipEntry(lying, l, 1024 * 1024)).toMatchObject({ ok: false, problem: 'size-mismatch' });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(5 * 1024 * 1024);
  });

  it('refuses encrypted entries, unknown methods and corrupt deflate data', () => {
    const zip = buildZip([
      { name: 'a', data: 'x', encrypted: 'pkware' },
      { name: 'b', data: 'y'.repeat(100) },
    ]);
    const [a, b] = listed(zip) as [ZipEntry, ZipEntry];
    expect(readZipEntry(zip, a, 100)).toMatchObject({ ok: false, problem: 'encrypted' });
    expect(readZipEntry(zip, { ...b, method: 14 }, 100)).toMatchObject({ ok: false, problem: 'unsupported' });
    const corrupt = Buffer.from(zip);
    const start = b.localHeaderOffset + 30 + 1;
    corrupt.fill(0xff, start, start + b.compressedSize);
    expect(readZipEntry(corrupt, b, 1000)).toMatchObject({ ok: false, problem: 'corrupt' });
  });
});
