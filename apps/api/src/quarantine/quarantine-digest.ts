import { formatReferenceId } from '@spamfilter/domain';

export interface DigestLine {
  readonly id: string;
  readonly createdAt: Date;
  readonly from: string | null;
  readonly mailFrom: string;
  readonly subject: string | null;
  readonly reason: string;
  readonly direction: 'inbound' | 'outbound';
}

export interface DigestInput {
  readonly to: string;
  readonly from: string;
  readonly lines: readonly DigestLine[];
  /** How many copies are kept in all (more than `lines` when the list was cut). */
  readonly total: number;
  readonly now: Date;
  /** Where the user acts on them (the API's quarantine routes). */
  readonly manageHint: string;
  readonly random: Uint8Array;
}

/** One line of text a mail client shows as is: no control characters, no line breaks, bounded. */
function oneLine(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/**
 * The daily digest of one user's kept mail, as a complete message (RFC 5322): plain text only, base64-encoded UTF-8
 * (subjects of spam carry anything; base64 keeps every line short and 7-bit), one line per copy with when, from whom,
 * the subject and why — nothing from the messages' bodies. The Message-ID and the reference are new for each digest.
 */
export function composeDigest(d: DigestInput): { raw: Buffer; reference: string } {
  const reference = formatReferenceId(d.now.getTime(), d.random.subarray(0, 10));
  const count = d.total === 1 ? '1 message' : `${d.total} messages`;
  const body = [
    `Your quarantine holds ${count} from the last day that did not reach your inbox.`,
    '',
    ...d.lines.map((l) =>
      [
        `${l.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC  ${oneLine(l.from ?? (l.mailFrom || '(no sender)'), 80)}`,
        `  ${oneLine(l.subject ?? '(no subject)', 120)}`,
        `  ${l.direction === 'outbound' ? 'sent by you, held for review' : oneLine(l.reason, 120)}  [${l.id}]`,
      ].join('\n'),
    ),
    ...(d.total > d.lines.length ? ['', `… and ${d.total - d.lines.length} more.`] : []),
    '',
    `To see, release or delete them: ${d.manageHint}`,
    'Kept mail is deleted automatically after the retention period.',
    '',
  ].join('\n');
  const encoded = Buffer.from(body.replace(/\n/g, '\r\n'), 'utf8')
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  const headers = [
    `From: Mail filter <${d.from}>`,
    `To: <${d.to}>`,
    `Subject: Quarantine digest: ${count} held for you`,
    `Date: ${d.now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <digest.${reference}@${d.from.slice(d.from.lastIndexOf('@') + 1)}>`,
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
  ];
  return {
    raw: Buffer.from(`${headers.join('\r\n')}\r\n\r\n${encoded.replace(/\r\n$/, '')}\r\n`, 'latin1'),
    reference,
  };
}
