import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import { parseMessageSafe, type ParseLimits } from '@spamfilter/mail';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import type { Check, ScanContext } from '../../pipeline/check';
import { ArchiveInspection, type ArchiveLimits } from './archive-inspector';

const sym = (name: keyof typeof DEFAULT_WEIGHTS, description: string): SymbolDefinition => ({
  name,
  group: 'content',
  description,
  defaultWeight: DEFAULT_WEIGHTS[name],
});

export const ARCHIVE_SYMBOLS = {
  ARCHIVE_EXECUTABLE: sym(
    'ARCHIVE_EXECUTABLE',
    'Executable or script inside a ZIP attachment (nested archives included)',
  ),
  ARCHIVE_DOUBLE_EXT: sym(
    'ARCHIVE_DOUBLE_EXT',
    'Name with a document extension hiding an executable one inside a ZIP attachment',
  ),
  ARCHIVE_ENCRYPTED: sym('ARCHIVE_ENCRYPTED', 'Encrypted ZIP attachment: its content cannot be scanned'),
  ARCHIVE_TOO_DEEP: sym('ARCHIVE_TOO_DEEP', 'Archives nested deeper than ARCHIVE_MAX_DEPTH'),
  ARCHIVE_BOMB: sym(
    'ARCHIVE_BOMB',
    'ZIP attachment built to exhaust a scanner: shared entry data, lying sizes or an expansion beyond the limits',
  ),
  ARCHIVE_UNREADABLE: sym(
    'ARCHIVE_UNREADABLE',
    'Attachment that starts like a ZIP archive but whose directory cannot be read',
  ),
  ARCHIVE_TEMPFAIL: sym('ARCHIVE_TEMPFAIL', 'Archive inspection failed or timed out'),
} as const;

/**
 * Archive inspection as a check. The work happens in the analysis (apps/filter/src/analysis), during the parse it
 * does anyway and on its thread; the check reports what it found. A context without an analysis (a check spec) is
 * parsed here.
 */
export class ArchiveCheck implements Check {
  readonly name = 'archive';
  readonly symbols = Object.values(ARCHIVE_SYMBOLS);
  readonly tempfail = 'ARCHIVE_TEMPFAIL';

  constructor(
    private readonly limits: ArchiveLimits,
    private readonly parseLimits: ParseLimits,
  ) {}

  run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    return Promise.resolve(ctx.analysis?.archiveHits ?? this.evaluate(ctx.raw));
  }

  evaluate(raw: Buffer): SymbolHit[] {
    const inspection = new ArchiveInspection(this.limits);
    parseMessageSafe(raw, this.parseLimits, inspection.visit);
    return inspection.hits();
  }
}
