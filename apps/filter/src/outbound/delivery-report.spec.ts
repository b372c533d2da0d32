import { deliveryCounts, deliveryReportSchema } from './delivery-report';

const at = '2026-11-22T10:00:00.000Z';
const r = (recipient: string, status: string, code: number | null, text = 'reply') => ({
  recipient,
  status,
  code,
  enhanced: null,
  text,
  at,
});

describe('delivery reports', () => {
  it('counts delivered and bounced recipients plus RCPT refusals from the same records; deferred and not sent count neither way', () => {
    const parsed = deliveryReportSchema.parse({
      authUser: 'alice@example.net',
      reference: '01JD8ZQ5X4ABCDEFGHJKMNPQRS',
      rcptRefused: 2,
      recipients: [
        r('a@x.example', 'delivered', 250),
        r('b@x.example', 'bounced', 550),
        r('c@x.example', 'deferred', 451),
        r('d@x.example', 'not_sent', 250),
        r('e@x.example', 'deferred', null),
      ],
    });
    expect(deliveryCounts(parsed)).toEqual({ delivered: 1, failed: 3 });
  });

  it('still takes the counts-only report of an older plugin', () => {
    expect(
      deliveryCounts(deliveryReportSchema.parse({ mailFrom: 'alice@example.net', delivered: 3, failed: 1 })),
    ).toEqual({ delivered: 3, failed: 1 });
  });

  it('refuses a report without a sender, a bad reference, an unknown status or a code out of range', () => {
    const ok = {
      authUser: 'alice@example.net',
      rcptRefused: 0,
      recipients: [r('a@x.example', 'delivered', 250)],
    };
    expect(deliveryReportSchema.safeParse({ ...ok, authUser: undefined }).success).toBe(false);
    expect(deliveryReportSchema.safeParse({ ...ok, reference: '../etc' }).success).toBe(false);
    expect(
      deliveryReportSchema.safeParse({ ...ok, recipients: [r('a@x.example', 'lost', 250)] }).success,
    ).toBe(false);
    expect(
      deliveryReportSchema.safeParse({ ...ok, recipients: [r('a@x.example', 'delivered', 99)] }).success,
    ).toBe(false);
    expect(deliveryReportSchema.safeParse(ok).success).toBe(true);
  });
});
