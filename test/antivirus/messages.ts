/**
 * Test messages for the antivirus and archive tests: MIME built by hand (CRLF, base64 attachments at 76 columns,
 * RFC 2045 §6.8), and the EICAR anti-malware test file, put together at run time so that this repository never holds
 * it verbatim (a scanner on a developer's machine or a mirror would quarantine the file otherwise).
 */

/** The 68-byte EICAR test file (eicar.org), which every virus scanner reports as a test signature. */
export function eicar(): string {
  return ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$EIC', 'AR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('');
}

export interface TestAttachment {
  readonly filename: string;
  readonly bytes: Buffer | string;
  readonly contentType?: string;
}

export interface TestMessage {
  readonly subject?: string;
  readonly from?: string;
  readonly to?: string;
  readonly text?: string;
  readonly attachments?: readonly TestAttachment[];
}

const base64Lines = (b: Buffer): string => b.toString('base64').replace(/(.{76})/g, '$1\r\n');

/** A multipart/mixed message (a text part, then each attachment in base64), or a single text part without attachments. */
export function mimeMessage(m: TestMessage): Buffer {
  const head = [
    `From: ${m.from ?? 'Alice Example <alice@sender.example>'}`,
    `To: ${m.to ?? 'Bob <bob@example.net>'}`,
    `Subject: ${m.subject ?? 'the files you asked for'}`,
    'Date: Sun, 22 Nov 2026 10:00:00 +0000',
    `Message-ID: <${Math.random().toString(36).slice(2)}@sender.example>`,
    'MIME-Version: 1.0',
  ];
  const text = m.text ?? 'Hi Bob,\r\n\r\nhere they are.\r\n\r\nAlice\r\n';
  if (!m.attachments || m.attachments.length === 0) {
    return Buffer.from(
      [...head, 'Content-Type: text/plain; charset=us-ascii', '', text].join('\r\n'),
      'latin1',
    );
  }
  const boundary = 'b-' + Math.random().toString(36).slice(2);
  const parts = [`--${boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n${text}\r\n`];
  for (const a of m.attachments) {
    const bytes = Buffer.isBuffer(a.bytes) ? a.bytes : Buffer.from(a.bytes, 'latin1');
    parts.push(
      `--${boundary}\r\nContent-Type: ${a.contentType ?? 'application/octet-stream'}; name="${a.filename}"\r\n` +
        `Content-Disposition: attachment; filename="${a.filename}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(bytes)}\r\n`,
    );
  }
  return Buffer.from(
    [
      ...head,
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      parts.join('') + `--${boundary}--`,
      '',
    ].join('\r\n'),
    'latin1',
  );
}
