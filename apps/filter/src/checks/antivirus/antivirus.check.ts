import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import type { Check, ScanContext } from '../../pipeline/check';
import type { ClamdVerdict } from './clamd-client';

const sym = (name: keyof typeof DEFAULT_WEIGHTS, description: string): SymbolDefinition => ({
  name,
  group: 'antivirus',
  description,
  defaultWeight: DEFAULT_WEIGHTS[name],
});

export const ANTIVIRUS_SYMBOLS = {
  CLAMAV_VIRUS: sym('CLAMAV_VIRUS', 'ClamAV found a virus (option: its name)'),
  CLAMAV_SKIPPED: sym(
    'CLAMAV_SKIPPED',
    'Not virus-scanned: larger than CLAMAV_MAX_BYTES or clamd’s StreamMaxLength',
  ),
  CLAMAV_TEMPFAIL: sym(
    'CLAMAV_TEMPFAIL',
    'The virus scanner could not scan the message (down, timeout, error); CLAMAV_ON_FAILURE decides',
  ),
} as const;

/** The check's port: ClamdClient in production, a stand-in in specs. */
export interface VirusScanner {
  scan(message: Uint8Array, signal?: AbortSignal): Promise<ClamdVerdict>;
}

export interface AntivirusCheckOptions {
  /** CLAMAV_MAX_BYTES: larger messages are not sent. */
  readonly maxBytes: number;
}

/**
 * Virus scanning as a check: the whole raw message goes to the scanner, which decodes the MIME parts and unpacks the
 * archives itself (so EICAR inline in a body, attached, or zipped is found alike). A virus is the CLAMAV_VIRUS symbol
 * with the virus name, whose default weight rejects on its own; a scanner that cannot answer is CLAMAV_TEMPFAIL with
 * the reason, and the scan service applies CLAMAV_ON_FAILURE to it (defer or accept). The check picks no action.
 */
export class AntivirusCheck implements Check {
  readonly name = 'antivirus';
  readonly symbols = Object.values(ANTIVIRUS_SYMBOLS);
  readonly tempfail = 'CLAMAV_TEMPFAIL';

  constructor(
    private readonly scanner: VirusScanner,
    private readonly options: AntivirusCheckOptions,
  ) {}

  async run(ctx: ScanContext, signal: AbortSignal): Promise<readonly SymbolHit[]> {
    if (ctx.raw.length > this.options.maxBytes)
      return [
        {
          name: 'CLAMAV_SKIPPED',
          options: [`${ctx.raw.length} bytes > CLAMAV_MAX_BYTES ${this.options.maxBytes}`],
        },
      ];
    const verdict = await this.scanner.scan(ctx.raw, signal);
    switch (verdict.kind) {
      case 'clean':
        return [];
      case 'infected':
        return [{ name: 'CLAMAV_VIRUS', options: [...verdict.names] }];
      case 'too-large':
        return [{ name: 'CLAMAV_SKIPPED', options: ["over clamd's StreamMaxLength"] }];
      case 'error':
        return [{ name: 'CLAMAV_TEMPFAIL', options: [verdict.reason] }];
    }
  }
}
