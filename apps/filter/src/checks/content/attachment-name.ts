/** Windows/macOS executables and scripts a mail client or file manager may run on a double click. */
const EXECUTABLE_EXT = new Set([
  'exe',
  'scr',
  'com',
  'pif',
  'bat',
  'cmd',
  'vbs',
  'vbe',
  'js',
  'jse',
  'wsf',
  'wsh',
  'msi',
  'msp',
  'hta',
  'cpl',
  'jar',
  'ps1',
  'lnk',
  'reg',
  'dll',
  'app',
  'iso',
  'img',
  'vhd',
]);
const DOCUMENT_EXT = new Set([
  'pdf',
  'doc',
  'docx',
  'xls',
  'xlsx',
  'ppt',
  'pptx',
  'txt',
  'rtf',
  'jpg',
  'jpeg',
  'png',
  'gif',
  'zip',
  'htm',
  'html',
  'csv',
  'odt',
]);

/**
 * What a file name says about the file, for attachments and for the names inside archives alike:
 * `executable` (setup.exe), `double-extension` (invoice.pdf.exe: a document extension hiding an executable one) or
 * null. Only the last path segment counts (archive entries carry folders, either slash), and trailing dots and spaces
 * are dropped as Windows drops them when it saves the file ("setup.exe." runs as setup.exe).
 */
export function attachmentNameKind(filename: string): 'executable' | 'double-extension' | null {
  const base = filename.slice(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
  const parts = base
    .toLowerCase()
    .replace(/[. ]+$/, '')
    .trim()
    .split('.');
  if (parts.length < 2) return null;
  if (!EXECUTABLE_EXT.has(parts[parts.length - 1] as string)) return null;
  return parts.length >= 3 && DOCUMENT_EXT.has(parts[parts.length - 2] as string)
    ? 'double-extension'
    : 'executable';
}
