import type { SymbolHit } from '@spamfilter/domain';
import type { AttachmentBody, ParsedAttachment } from '@spamfilter/mail';
import { attachmentNameKind } from '../content/attachment-name';
import { entryDataOffset, looksLikeZip, readZipDirectory, readZipEntry, type ZipEntry } from './zip-reader';

/** The ARCHIVE_* keys of libs/config, as plain data (they cross to the analysis threads). */
export interface ArchiveLimits {
  /** Archives inside archives are opened down to this depth; the attached archive is depth 1. */
  readonly maxDepth: number;
  /** Bytes inflated per message to open nested archives; an archive that needs more is reported as a bomb. */
  readonly maxInflateBytes: number;
  /** Declared expansion of a message's archives (every entry's uncompressed size, nested included) beyond which they are a bomb. */
  readonly maxExpandedBytes: number;
}

const EXAMPLES = 5;

/** A few examples of what was found, and how many there were. */
class Finding {
  count = 0;
  readonly examples: string[] = [];
  add(what: string): void {
    this.count++;
    if (this.examples.length < EXAMPLES && !this.examples.includes(what)) this.examples.push(what);
  }
}

/**
 * Looks into a message's ZIP attachments (nested ZIPs included) for what a mail filter cares about: executable and
 * double-extension names, encrypted entries, nesting beyond the limit, and bombs. Nothing is written to disk and
 * nothing is extracted except a nested archive's bytes, in memory, within the message's inflate budget: the work per
 * message is bounded by its size plus `maxInflateBytes`, whatever the archives declare.
 *
 * One instance per message: `visit` is the libs/mail AttachmentVisitor (the analysis passes it to the parse it does
 * anyway), `hits()` the result. An attachment is inspected when its bytes start like a ZIP file, whatever its name
 * or content type says (a renamed archive is the oldest trick against attachment filters).
 */
export class ArchiveInspection {
  private readonly executables = new Finding();
  private readonly doubleExtensions = new Finding();
  private readonly encrypted = new Finding();
  private readonly tooDeep = new Finding();
  private readonly bombs = new Finding();
  private readonly unreadable = new Finding();
  private inflateLeft: number;
  private expanded = 0;
  private expansionReported = false;

  constructor(private readonly limits: ArchiveLimits) {
    this.inflateLeft = limits.maxInflateBytes;
  }

  /** A bug met while inspecting (the reader turns bad archives into findings, so this is ours): reported as ARCHIVE_TEMPFAIL. */
  private failure: string | null = null;

  readonly visit = (attachment: ParsedAttachment, body: AttachmentBody): void => {
    try {
      if (!looksLikeZip(body.head(4))) return;
      // The message was cut inside this attachment (MAIL_PARSE_MAX_BYTES): its central directory, at the end, is not
      // there. Not a reason to suspect the sender; the virus scanner still sees the whole message.
      if (!body.complete) return;
      this.archive(body.bytes(), attachment.filename || '(unnamed)', 1);
    } catch (err) {
      // Thrown out of the visitor it would end the message's parse, and the content checks would see an empty message.
      this.failure ??= `error: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200);
    }
  };

  hits(): SymbolHit[] {
    const hits: SymbolHit[] = [];
    if (this.failure !== null) hits.push({ name: 'ARCHIVE_TEMPFAIL', options: [this.failure] });
    const add = (name: string, f: Finding): void => {
      if (f.count > 0)
        hits.push({
          name,
          options:
            f.count > f.examples.length
              ? [...f.examples, `+${f.count - f.examples.length} more`]
              : [...f.examples],
        });
    };
    add('ARCHIVE_EXECUTABLE', this.executables);
    add('ARCHIVE_DOUBLE_EXT', this.doubleExtensions);
    add('ARCHIVE_ENCRYPTED', this.encrypted);
    add('ARCHIVE_TOO_DEEP', this.tooDeep);
    add('ARCHIVE_BOMB', this.bombs);
    add('ARCHIVE_UNREADABLE', this.unreadable);
    return hits;
  }

  private archive(bytes: Uint8Array, path: string, depth: number): void {
    const dir = readZipDirectory(bytes);
    if (!dir.ok) {
      this.unreadable.add(`${path}: ${dir.problem}`);
      return;
    }
    if (dir.overlapping) {
      this.bombs.add(`${path}: entries share their data`);
      return;
    }
    let encrypted = false;
    const nested: ZipEntry[] = [];
    for (const e of dir.entries) {
      this.expanded += e.uncompressedSize;
      if (e.encrypted) encrypted = true;
      for (const name of [e.name, ...e.altNames]) {
        const kind = attachmentNameKind(name);
        if (kind === 'executable') this.executables.add(`${path}/${name}`);
        else if (kind === 'double-extension') this.doubleExtensions.add(`${path}/${name}`);
      }
      if (isNestedArchive(bytes, e)) nested.push(e);
    }
    if (encrypted) this.encrypted.add(path);
    if (this.expanded > this.limits.maxExpandedBytes && !this.expansionReported) {
      this.expansionReported = true;
      this.bombs.add(`${path}: expands to more than ${this.limits.maxExpandedBytes} bytes`);
      return;
    }
    for (const e of nested) {
      const inner = `${path}/${e.name}`;
      if (depth >= this.limits.maxDepth) {
        this.tooDeep.add(inner);
        continue;
      }
      if (e.encrypted) continue; // counted above; its content cannot be read
      const data = readZipEntry(bytes, e, this.inflateLeft);
      if (!data.ok) {
        if (data.problem === 'too-large' || data.problem === 'size-mismatch')
          this.bombs.add(`${inner}: ${data.detail}`);
        else this.unreadable.add(`${inner}: ${data.detail}`);
        continue;
      }
      this.inflateLeft -= data.data.length;
      this.archive(data.data, inner, depth + 1);
    }
  }
}

/**
 * An entry opened as an archive: a name ending in .zip, or stored bytes that start like one. (A deflated entry under
 * another name is not inflated just to look: the virus scanner unpacks those.)
 */
function isNestedArchive(bytes: Uint8Array, e: ZipEntry): boolean {
  if (/\.zip$/i.test(e.name.replace(/[. ]+$/, ''))) return true;
  if (e.method !== 0 || e.encrypted) return false;
  const at = entryDataOffset(bytes, e);
  return at >= 0 && looksLikeZip(bytes.subarray(at, at + Math.min(4, e.compressedSize)));
}
