import { randomBytes } from 'node:crypto';
import type { SymbolHit } from '@spamfilter/domain';
import { DEFAULT_PARSE_LIMITS } from '@spamfilter/mail';
import { mimeMessage } from '../../../../../test/antivirus/messages';
import { buildZip, overlappingZip, type ZipFileSpec } from '../../../../../test/antivirus/zip-builder';
import type { ArchiveLimits } from './archive-inspector';
import { ArchiveCheck } from './archive.check';

const LIMITS: ArchiveLimits = {
  maxDepth: 3,
  maxInflateBytes: 16 * 1024 * 1024,
  maxExpandedBytes: 256 * 1024 * 1024,
};
const check = new ArchiveCheck(LIMITS, DEFAULT_PARSE_LIMITS);
const withZip = (zip: Buffer, filename = 'files.zip', contentType = 'application/zip'): Buffer =>
  mimeMessage({ attachments: [{ filename, bytes: zip, contentType }] });
const hits = (raw: Buffer, c = check): SymbolHit[] => c.evaluate(raw);
const names = (raw: Buffer, c = check): string[] => hits(raw, c).map((h) => h.name);

/** An archive holding `inner` as `name`, `levels` times over: a.zip → b.zip → … */
const nest = (inner: Buffer, levels: number): Buffer => {
  let zip = inner;
  for (let i = levels; i >= 1; i--) zip = buildZip([{ name: `level${i}.zip`, data: zip }]);
  return zip;
};

describe('ArchiveCheck', () => {
  it('says nothing about an ordinary archive, or about mail without one', () => {
    expect(
      hits(
        withZip(
          buildZip([
            { name: 'minutes.pdf', data: '%PDF-1.7 ...' },
            { name: 'photos/beach.jpg', data: 'JFIF' },
          ]),
        ),
      ),
    ).toEqual([]);
    expect(hits(mimeMessage({ text: 'no attachments' }))).toEqual([]);
    expect(
      hits(mimeMessage({ attachments: [{ filename: 'notes.txt', bytes: 'PK is how it starts, but no' }] })),
    ).toEqual([]);
  });

  it('finds executables and double extensions inside a zip, stored or deflated', () => {
    const zip = buildZip([
      { name: 'readme.txt', data: 'run it' },
      { name: 'setup.exe', data: 'MZ', method: 'store' },
      { name: 'docs/invoice.pdf.exe', data: 'MZ' },
    ]);
    expect(hits(withZip(zip))).toEqual([
      { name: 'ARCHIVE_EXECUTABLE', options: ['files.zip/setup.exe'] },
      { name: 'ARCHIVE_DOUBLE_EXT', options: ['files.zip/docs/invoice.pdf.exe'] },
    ]);
  });

  it('looks into an archive whatever its name or content type says', () => {
    const zip = buildZip([{ name: 'payload.scr', data: 'MZ' }]);
    expect(names(withZip(zip, 'scan-0042.pdf', 'application/pdf'))).toEqual(['ARCHIVE_EXECUTABLE']);
  });

  it('opens nested archives down to ARCHIVE_MAX_DEPTH and reports what lies deeper', () => {
    const tool = buildZip([{ name: 'tool.exe', data: 'MZ' }]);
    expect(hits(withZip(nest(tool, 2)))).toEqual([
      { name: 'ARCHIVE_EXECUTABLE', options: ['files.zip/level1.zip/level2.zip/tool.exe'] },
    ]);
    // A stored zip under another name is opened too (its bytes show what it is).
    const disguised = buildZip([{ name: 'data.bin', data: tool, method: 'store' }]);
    expect(hits(withZip(disguised))).toEqual([
      { name: 'ARCHIVE_EXECUTABLE', options: ['files.zip/data.bin/tool.exe'] },
    ]);
    expect(hits(withZip(nest(tool, 3)))).toEqual([
      { name: 'ARCHIVE_TOO_DEEP', options: ['files.zip/level1.zip/level2.zip/level3.zip'] },
    ]);
    const shallow = new ArchiveCheck({ ...LIMITS, maxDepth: 1 }, DEFAULT_PARSE_LIMITS);
    expect(hits(withZip(nest(tool, 1)), shallow)).toEqual([
      { name: 'ARCHIVE_TOO_DEEP', options: ['files.zip/level1.zip'] },
    ]);
  });

  it('reports encrypted archives, and the names they still show', () => {
    const zip = buildZip([{ name: 'invoice.pdf.exe', data: 'MZ', encrypted: 'pkware' }]);
    expect(hits(withZip(zip))).toEqual([
      { name: 'ARCHIVE_DOUBLE_EXT', options: ['files.zip/invoice.pdf.exe'] },
      { name: 'ARCHIVE_ENCRYPTED', options: ['files.zip'] },
    ]);
    expect(names(withZip(buildZip([{ name: 'report.docx', data: 'x', encrypted: 'aes' }])))).toEqual([
      'ARCHIVE_ENCRYPTED',
    ]);
    // An encrypted inner archive is listed as encrypted and not opened.
    const inner = buildZip([
      { name: 'secret.zip', data: buildZip([{ name: 'x.exe', data: 'MZ' }]), encrypted: 'pkware' },
    ]);
    expect(hits(withZip(inner))).toEqual([{ name: 'ARCHIVE_ENCRYPTED', options: ['files.zip'] }]);
  });

  it('checks the Unicode Path name an archiver would show instead of the stored one', () => {
    const zip = buildZip([{ name: 'invoice.pdf', data: 'MZ', unicodePath: 'invoice.pdf.exe' }]);
    expect(hits(withZip(zip))).toEqual([
      { name: 'ARCHIVE_DOUBLE_EXT', options: ['files.zip/invoice.pdf.exe'] },
    ]);
  });

  it('reports bombs without inflating them: shared entry data, a lying inner archive, a declared expansion past the limit', () => {
    expect(hits(withZip(overlappingZip(20, Buffer.alloc(50_000))))).toEqual([
      { name: 'ARCHIVE_BOMB', options: ['files.zip: entries share their data'] },
    ]);

    // An inner archive of 2 MiB (zeros stored uncompressed) that deflates to a few KiB: more than the budget allows.
    const tight = new ArchiveCheck({ ...LIMITS, maxInflateBytes: 1024 * 1024 }, DEFAULT_PARSE_LIMITS);
    const big = buildZip([
      {
        name: 'big.zip',
        data: buildZip([{ name: 'pad.bin', data: Buffer.alloc(2 * 1024 * 1024), method: 'store' }]),
      },
    ]);
    expect(big.length).toBeLessThan(10_000);
    expect(hits(withZip(big), tight)).toEqual([
      {
        name: 'ARCHIVE_BOMB',
        options: [expect.stringMatching(/^files\.zip\/big\.zip: declares \d+ bytes, more than 1048576$/)],
      },
    ]);

    const lying = buildZip([
      {
        name: 'inner.zip',
        data: buildZip([{ name: 'x.txt', data: Buffer.alloc(3 * 1024 * 1024) }]),
        declaredSize: 2000,
      },
    ]);
    expect(names(withZip(lying))).toEqual(['ARCHIVE_BOMB']);

    // 42.zip in miniature: ten 1 MiB files of zeros per archive, ten of those per archive, ten of those (1 GiB in
    // all, 200 KiB sent). The declared sizes pass the limit long before anything large is inflated.
    let layer = buildZip(
      Array.from({ length: 10 }, (_, i): ZipFileSpec => ({
        name: `zeros${i}.bin`,
        data: Buffer.alloc(1024 * 1024),
      })),
    );
    for (let level = 1; level <= 2; level++)
      layer = buildZip(
        Array.from({ length: 10 }, (_, i): ZipFileSpec => ({ name: `l${level}-${i}.zip`, data: layer })),
      );
    expect(layer.length).toBeLessThan(256 * 1024);
    const small = new ArchiveCheck({ ...LIMITS, maxExpandedBytes: 64 * 1024 * 1024 }, DEFAULT_PARSE_LIMITS);
    expect(hits(withZip(layer), small)).toEqual([
      { name: 'ARCHIVE_BOMB', options: [expect.stringMatching(/: expands to more than 67108864 bytes$/)] },
    ]);
  });

  it('reports an attachment that starts like a zip but cannot be read, except when the parse cut it short', () => {
    const zip = buildZip([
      { name: 'a.bin', data: randomBytes(30_000), method: 'store' },
      { name: 'b.exe', data: 'MZ' },
    ]);
    expect(hits(withZip(zip.subarray(0, zip.length - 30)))).toEqual([
      { name: 'ARCHIVE_UNREADABLE', options: ['files.zip: no end of central directory record'] },
    ]);
    const cut = new ArchiveCheck(LIMITS, { ...DEFAULT_PARSE_LIMITS, maxBytes: 20_000 });
    expect(hits(withZip(zip), cut)).toEqual([]);
  });

  it('runs from the analysis when the scan has one', async () => {
    const found: SymbolHit[] = [{ name: 'ARCHIVE_EXECUTABLE', options: ['x.zip/y.exe'] }];
    const ctx = { raw: Buffer.from('not parsed'), analysis: { archiveHits: found } } as unknown as Parameters<
      ArchiveCheck['run']
    >[0];
    await expect(check.run(ctx)).resolves.toBe(found);
  });
});
