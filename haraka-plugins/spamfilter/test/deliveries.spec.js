'use strict';
const { buildDeliveryReport, nextHopCounts, queueOutcome, MAX_COUNT } = require('../lib/deliveries');

const base = { authUser: 'alice@example.net', mailFrom: 'alice@example.net', rcptRefused: 0, held: false };

describe('delivery report', () => {
  it('counts every recipient as delivered when the next hop took the message', () => {
    expect(buildDeliveryReport({ ...base, queue: 'ok', recipients: 3 })).toEqual({
      authUser: 'alice@example.net',
      mailFrom: 'alice@example.net',
      delivered: 3,
      failed: 0,
    });
  });

  it('adds recipients refused at RCPT to the failures', () => {
    expect(buildDeliveryReport({ ...base, queue: 'ok', recipients: 2, rcptRefused: 5 })).toMatchObject({
      delivered: 2,
      failed: 5,
    });
  });

  it('a permanent next-hop refusal is one failed recipient and nothing delivered; a temporary one counts nothing', () => {
    expect(nextHopCounts('deny', 4, false)).toEqual({ delivered: 0, failed: 1 });
    expect(nextHopCounts('denysoft', 4, false)).toEqual({ delivered: 0, failed: 0 });
    expect(buildDeliveryReport({ ...base, queue: 'deny', recipients: 4, rcptRefused: 2 })).toMatchObject({
      delivered: 0,
      failed: 3,
    });
    expect(buildDeliveryReport({ ...base, queue: 'denysoft', recipients: 4 })).toBeNull();
  });

  it('held (quarantined) or never queued (refused after DATA) mail reports only the RCPT refusals', () => {
    expect(buildDeliveryReport({ ...base, queue: 'ok', recipients: 2, held: true })).toBeNull();
    expect(buildDeliveryReport({ ...base, queue: null, recipients: 2, rcptRefused: 1 })).toMatchObject({
      delivered: 0,
      failed: 1,
    });
  });

  it('needs a sending identity; leaves out what is missing; caps counts at the filter limit', () => {
    expect(
      buildDeliveryReport({ ...base, authUser: '', mailFrom: '', queue: 'ok', recipients: 1 }),
    ).toBeNull();
    expect(buildDeliveryReport({ ...base, authUser: undefined, queue: 'ok', recipients: 1 })).toEqual({
      mailFrom: 'alice@example.net',
      delivered: 1,
      failed: 0,
    });
    expect(buildDeliveryReport({ ...base, mailFrom: '', queue: 'ok', recipients: 1 })).toEqual({
      authUser: 'alice@example.net',
      delivered: 1,
      failed: 0,
    });
    expect(buildDeliveryReport({ ...base, queue: 'ok', recipients: 5000, rcptRefused: 5000 })).toMatchObject({
      delivered: MAX_COUNT,
      failed: MAX_COUNT,
    });
  });

  it('reads the queue result Haraka stored (pass / fail / fail + soft)', () => {
    expect(queueOutcome(undefined)).toBeNull();
    expect(queueOutcome({ pass: ['Message Queued'], fail: [] })).toBe('ok');
    expect(queueOutcome({ pass: [], fail: ['550 no such user'] })).toBe('deny');
    expect(queueOutcome({ pass: [], fail: ['451 later'], soft: true })).toBe('denysoft');
    expect(queueOutcome({ pass: [], fail: [] })).toBeNull();
  });
});
