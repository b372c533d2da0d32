import type { FeedbackReport } from './arf-parser';
import { complaintKey } from './complaint-identity';

const REF = '01JD8ZQ5X4ABCDEFGHJKMNPQRS';
const base: FeedbackReport = {
  feedbackType: 'abuse',
  userAgent: 'SomeGenerator/1.0',
  version: '1',
  originalMailFrom: 'alice@customer.example',
  originalRcptTo: ['user@mailbox.example'],
  arrivalDate: null,
  sourceIp: '192.0.2.1',
  reportingMta: 'dns; mail.mailbox.example',
  reportedDomains: [],
  incidents: 1,
  reference: REF,
  originalMessageId: '<abc@customer.example>',
  originalFrom: null,
  originalSubject: null,
  defects: [],
};
const raw = Buffer.from('the report');

describe('complaintKey', () => {
  it('is the same for a resent report, whatever else differs in its bytes', () => {
    expect(complaintKey(base, raw)).toBe(
      complaintKey({ ...base, arrivalDate: 'later', incidents: 3 }, Buffer.from('resent')),
    );
    expect(complaintKey(base, raw)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs by reported message, feedback type, source and named recipient', () => {
    const key = complaintKey(base, raw);
    expect(complaintKey({ ...base, reference: '01JD8ZQ5X4ABCDEFGHJKMNPQRT' }, raw)).not.toBe(key);
    expect(complaintKey({ ...base, feedbackType: 'fraud' }, raw)).not.toBe(key);
    expect(complaintKey({ ...base, reportingMta: 'dns; fbl.other.example' }, raw)).not.toBe(key);
    expect(complaintKey({ ...base, originalRcptTo: ['other@mailbox.example'] }, raw)).not.toBe(key);
  });

  it('falls back to the Message-ID, then to the report itself', () => {
    const noRef = { ...base, reference: null };
    expect(complaintKey(noRef, raw)).toBe(
      complaintKey({ ...noRef, originalMessageId: 'ABC@customer.example' }, Buffer.from('x')),
    );
    const nothing = { ...noRef, originalMessageId: null };
    expect(complaintKey(nothing, raw)).toBe(complaintKey(nothing, Buffer.from('the report')));
    expect(complaintKey(nothing, raw)).not.toBe(complaintKey(nothing, Buffer.from('another report')));
  });

  it('uses the User-Agent when the loop names no Reporting-MTA', () => {
    const a = { ...base, reportingMta: null };
    expect(complaintKey(a, raw)).not.toBe(complaintKey({ ...a, userAgent: 'OtherLoop/2' }, raw));
  });
});
