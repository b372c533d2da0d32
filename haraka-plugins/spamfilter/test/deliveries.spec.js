'use strict';
const {
  buildDeliveryReport,
  settleRecipients,
  statusOf,
  enhancedOf,
  MAX_RECIPIENTS,
} = require('../lib/deliveries');

const T = '2026-11-22T10:00:00.000Z';
const rcpt = (recipient, code = 250, text = '2.1.5 Ok') => ({ recipient, code, text, at: T });
const base = {
  authUser: 'alice@example.net',
  mailFrom: 'alice@example.net',
  rcptRefused: 0,
  reference: '01JD0000000000000000000000',
};

describe('each recipient at the next hop', () => {
  it('all accepted: every recipient gets the answer after DATA, with its code, enhanced code, text and time', () => {
    const final = { code: 250, text: '2.0.0 Ok: queued as 4Xz', at: '2026-11-22T10:00:01.000Z' };
    expect(settleRecipients([rcpt('a@r.example'), rcpt('b@r.example')], final)).toEqual([
      {
        recipient: 'a@r.example',
        status: 'delivered',
        code: 250,
        enhanced: '2.0.0',
        text: '2.0.0 Ok: queued as 4Xz',
        at: final.at,
      },
      {
        recipient: 'b@r.example',
        status: 'delivered',
        code: 250,
        enhanced: '2.0.0',
        text: '2.0.0 Ok: queued as 4Xz',
        at: final.at,
      },
    ]);
    expect(
      settleRecipients([rcpt('a@r.example')], { code: 552, text: '5.3.4 too big', at: T })[0],
    ).toMatchObject({ status: 'bounced', code: 552 });
    expect(
      settleRecipients([rcpt('a@r.example')], { code: 451, text: '4.3.0 later', at: T })[0],
    ).toMatchObject({ status: 'deferred', code: 451 });
  });

  it('one refused at RCPT: bounced with its own reply; the others were not sent (one answer for the sender)', () => {
    const out = settleRecipients(
      [
        rcpt('a@r.example'),
        rcpt('ghost@r.example', 550, '5.1.1 <ghost@r.example>: no such user'),
        rcpt('b@r.example', null, ''),
      ],
      null,
    );
    expect(out.map((r) => [r.recipient, r.status, r.code])).toEqual([
      ['a@r.example', 'not_sent', 250],
      ['ghost@r.example', 'bounced', 550],
      ['b@r.example', 'not_sent', null],
    ]);
    expect(out[1]).toMatchObject({ enhanced: '5.1.1', text: '5.1.1 <ghost@r.example>: no such user' });
    expect(out[0].text).toMatch(/^not sent: the next hop refused ghost@r.example \(550\)/);
  });

  it('a next hop that is down or drops the connection defers everyone, without a code', () => {
    const out = settleRecipients([rcpt('a@r.example', null, '')], {
      code: null,
      text: 'next hop unavailable: ECONNREFUSED',
      at: T,
    });
    expect(out).toEqual([
      {
        recipient: 'a@r.example',
        status: 'deferred',
        code: null,
        enhanced: null,
        text: 'next hop unavailable: ECONNREFUSED',
        at: T,
      },
    ]);
  });

  it('reads statuses and enhanced codes (RFC 5321 §4.2.1, RFC 3463)', () => {
    expect([statusOf(250), statusOf(421), statusOf(554)]).toEqual(['delivered', 'deferred', 'bounced']);
    expect([enhancedOf('5.7.1 spam'), enhancedOf('Ok'), enhancedOf('')]).toEqual(['5.7.1', null, null]);
  });
});

describe('the delivery report', () => {
  const results = settleRecipients([rcpt('a@r.example')], { code: 250, text: '2.0.0 Ok', at: T });

  it('carries the reference, the queue id, the RCPT refusals and every recipient result', () => {
    expect(buildDeliveryReport({ ...base, queueId: 'Q1', rcptRefused: 2, recipients: results })).toEqual({
      authUser: 'alice@example.net',
      mailFrom: 'alice@example.net',
      reference: '01JD0000000000000000000000',
      queueId: 'Q1',
      rcptRefused: 2,
      recipients: results,
    });
  });

  it('reports RCPT refusals alone when nothing reached a next hop, and nothing when there is nothing', () => {
    expect(buildDeliveryReport({ ...base, rcptRefused: 1, recipients: null })).toMatchObject({
      rcptRefused: 1,
      recipients: [],
    });
    expect(buildDeliveryReport({ ...base, recipients: null })).toBeNull();
  });

  it('needs a sending identity; leaves out what is missing; caps at the filter limit', () => {
    expect(buildDeliveryReport({ ...base, authUser: '', mailFrom: '', recipients: results })).toBeNull();
    expect(
      buildDeliveryReport({ ...base, authUser: undefined, reference: undefined, recipients: results }),
    ).toEqual({ mailFrom: 'alice@example.net', rcptRefused: 0, recipients: results });
    const many = Array.from({ length: MAX_RECIPIENTS + 5 }, (_, i) => ({
      ...results[0],
      recipient: `r${i}@r.example`,
    }));
    expect(buildDeliveryReport({ ...base, rcptRefused: 5000, recipients: many })).toMatchObject({
      rcptRefused: MAX_RECIPIENTS,
      recipients: expect.any(Array),
    });
    expect(buildDeliveryReport({ ...base, recipients: many }).recipients).toHaveLength(MAX_RECIPIENTS);
  });
});
