import { attachmentNameKind } from './attachment-name';

describe('attachmentNameKind', () => {
  it('tells executables, double extensions and ordinary files apart', () => {
    expect(attachmentNameKind('setup.exe')).toBe('executable');
    expect(attachmentNameKind('Invoice.PDF.exe')).toBe('double-extension');
    expect(attachmentNameKind('photo.jpg.scr')).toBe('double-extension');
    expect(attachmentNameKind('release.1.2.exe')).toBe('executable');
    expect(attachmentNameKind('report.pdf')).toBeNull();
    expect(attachmentNameKind('archive.zip')).toBeNull();
    expect(attachmentNameKind('exe')).toBeNull();
    expect(attachmentNameKind('')).toBeNull();
  });

  it('judges the last path segment of an archive entry, with either slash', () => {
    expect(attachmentNameKind('docs/2026/invoice.pdf.exe')).toBe('double-extension');
    expect(attachmentNameKind('tools\\run.bat')).toBe('executable');
    expect(attachmentNameKind('setup.exe/readme.txt')).toBeNull();
  });

  it('drops the trailing dots and spaces Windows drops when it saves a file', () => {
    expect(attachmentNameKind('setup.exe.')).toBe('executable');
    expect(attachmentNameKind('invoice.pdf.exe . ')).toBe('double-extension');
  });
});
