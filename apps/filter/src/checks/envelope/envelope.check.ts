import type { SymbolDefinition, SymbolHit } from '@spamfilter/domain';
import { DEFAULT_WEIGHTS } from '@spamfilter/scoring';
import type { Check, ScanContext } from '../../pipeline/check';
import { isValidHelo, isValidMailFrom } from '../../services/envelope.parser';

const sym = (name: keyof typeof DEFAULT_WEIGHTS, description: string): SymbolDefinition => ({
  name,
  group: 'connection',
  description,
  defaultWeight: DEFAULT_WEIGHTS[name],
});

export const ENVELOPE_SYMBOLS = [
  sym('HELO_INVALID', 'HELO is neither a host name nor an address literal (RFC 5321 §4.1.1.1)'),
  sym('MAIL_FROM_INVALID', 'MAIL FROM is not a valid address (RFC 5321 §4.1.2)'),
] as const;

/**
 * The SMTP envelope's syntax, as a signal: Haraka accepts odd HELO names and senders, and refusing them in the filter
 * would be a way around the scan (the plugin delivered what the filter would not read). Scored instead. The HELO is
 * inbound only: outbound clients are authenticated users whose software says what it likes.
 */
export class EnvelopeCheck implements Check {
  readonly name = 'envelope';
  readonly symbols = ENVELOPE_SYMBOLS;
  readonly tempfail = 'ENVELOPE_TEMPFAIL';

  run(ctx: ScanContext): Promise<readonly SymbolHit[]> {
    const e = ctx.envelope;
    const hits: SymbolHit[] = [];
    if (e.direction === 'inbound' && !isValidHelo(e.helo))
      hits.push({ name: 'HELO_INVALID', options: [e.helo.slice(0, 64)] });
    if (!isValidMailFrom(e.mailFrom))
      hits.push({ name: 'MAIL_FROM_INVALID', options: [e.mailFrom.slice(0, 64)] });
    return Promise.resolve(hits);
  }
}
