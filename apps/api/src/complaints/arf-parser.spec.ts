import { isComplaint, parseArf } from './arf-parser';

const REF = '01JD8ZQ5X4ABCDEFGHJKMNPQRS';

/** Shaped like RFC 5965 Appendix B.2 (a report with the optional fields), the original carrying our reference. */
const fullReport = [
  'From: <abusedesk@mailbox.example>',
  'Date: Thu, 8 Mar 2005 17:40:36 EDT',
  'Subject: FW: Earn money',
  'To: <abuse@provider.example>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=feedback-report;',
  '     boundary="part1_13d.2e68ed54_boundary"',
  '',
  '--part1_13d.2e68ed54_boundary',
  'Content-Type: text/plain; charset="US-ASCII"',
  'Content-Transfer-Encoding: 7bit',
  '',
  'This is an email abuse report for an email message received from IP',
  '192.0.2.1 on Thu, 8 Mar 2005 14:00:00 EDT.',
  '',
  '--part1_13d.2e68ed54_boundary',
  'Content-Type: message/feedback-report',
  '',
  'Feedback-Type: abuse',
  'User-Agent: SomeGenerator/1.0',
  'Version: 1',
  'Original-Mail-From: <somespammer@customer.example>',
  'Original-Rcpt-To: <user@mailbox.example>',
  'Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT',
  'Reporting-MTA: dns; mail.mailbox.example',
  'Source-IP: 192.0.2.1',
  'Authentication-Results: mail.mailbox.example;',
  '        spf=fail smtp.mail=somespammer@customer.example',
  'Reported-Domain: customer.example',
  'Incidents: 3',
  '',
  '--part1_13d.2e68ed54_boundary',
  'Content-Type: message/rfc822',
  'Content-Disposition: inline',
  '',
  'From: <somespammer@customer.example>',
  'Received: from mailserver.customer.example by mail.mailbox.example',
  '    for <user@mailbox.example>; Thu, 8 Mar 2005 14:00:00 EDT',
  'To: <Undisclosed Recipients>',
  'Subject: Earn money',
  `X-Spam-Reference: ${REF}`,
  'MIME-Version: 1.0',
  'Content-type: text/plain',
  'Message-ID: 8787KJKJ3K4J3K4J3K4J3.mail@customer.example',
  'Date: Thu, 02 Sep 2004 12:31:03 -0500',
  '',
  'Spam Spam Spam',
  '--part1_13d.2e68ed54_boundary--',
  '',
].join('\r\n');

describe('parseArf', () => {
  it('reads an RFC 5965 report and finds the reference of the original', () => {
    const r = parseArf(Buffer.from(fullReport));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.report).toMatchObject({
      feedbackType: 'abuse',
      userAgent: 'SomeGenerator/1.0',
      version: '1',
      originalMailFrom: 'somespammer@customer.example',
      originalRcptTo: ['user@mailbox.example'],
      sourceIp: '192.0.2.1',
      reportingMta: 'dns; mail.mailbox.example',
      reportedDomains: ['customer.example'],
      incidents: 3,
      reference: REF,
      originalSubject: 'Earn money',
      originalMessageId: '8787KJKJ3K4J3K4J3K4J3.mail@customer.example',
      defects: [],
    });
  });

  it('reads the minimal form (RFC 5965 Appendix B.1) with only the original header, base64-encoded', () => {
    const headers = `From: <a@customer.example>\r\nSubject: hi\r\nX-Spam-Reference: ${REF}\r\n`;
    const minimal = [
      'Content-Type: multipart/report; report-type=feedback-report; boundary=XYZ',
      '',
      '--XYZ',
      'Content-Type: text/plain',
      '',
      'A complaint.',
      '--XYZ',
      'Content-Type: message/feedback-report',
      '',
      'Feedback-Type: abuse',
      'User-Agent: FBL/2',
      'Version: 1',
      '--XYZ',
      'Content-Type: text/rfc822-headers',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(headers).toString('base64'),
      '--XYZ--',
    ].join('\n');
    const r = parseArf(minimal);
    expect(r.ok && r.report.reference).toBe(REF);
    expect(r.ok && r.report.incidents).toBe(1);
    expect(r.ok && r.report.originalRcptTo).toEqual([]);
  });

  it('has no reference when the loop redacted it, and says so through null', () => {
    const redacted = fullReport.replace(`X-Spam-Reference: ${REF}\r\n`, '');
    const r = parseArf(redacted);
    expect(r.ok && r.report.reference).toBeNull();
  });

  it('ignores a reference-like value that is not a reference ID', () => {
    const bad = fullReport.replace(`X-Spam-Reference: ${REF}`, 'X-Spam-Reference: ../../etc/passwd');
    const r = parseArf(bad);
    expect(r.ok && r.report.reference).toBeNull();
  });

  it('refuses mail that is not a feedback report', () => {
    const r = parseArf('From: a@b.example\r\nSubject: hello\r\n\r\njust mail\r\n');
    expect(r).toEqual({ ok: false, problem: expect.stringContaining('not an ARF report') });
  });

  it('tells complaints from not-spam reports', () => {
    expect(isComplaint('abuse')).toBe(true);
    expect(isComplaint('not-spam')).toBe(false);
    const notSpam = parseArf(fullReport.replace('Feedback-Type: abuse', 'Feedback-Type: not-spam'));
    expect(notSpam.ok && notSpam.report.feedbackType).toBe('not-spam');
  });
});
