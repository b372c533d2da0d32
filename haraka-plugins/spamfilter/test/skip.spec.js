'use strict';
const { skipReason } = require('../lib/skip');
const { normalizeSettings } = require('../lib/settings');

const settings = normalizeSettings({ main: { max_bytes: '1000' }, skip: { ips: '10.1.1.1' } }).settings;
const facts = { clientIp: '192.0.2.1', rcptTo: ['a@b.example'], size: 500 };

describe('skipReason', () => {
  it.each([
    ['scans ordinary mail', facts, null],
    ['skips a transaction without recipients', { ...facts, rcptTo: [] }, 'no recipients'],
    [
      'never skips for size (a sender’s choice; index.js refuses oversized mail)',
      { ...facts, size: 10_000_000 },
      null,
    ],
    ['skips trusted clients', { ...facts, clientIp: '10.1.1.1' }, 'trusted client'],
  ])('%s', (_name, f, expected) => {
    expect(skipReason(f, settings)).toBe(expected);
  });
});
