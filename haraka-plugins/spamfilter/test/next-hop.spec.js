'use strict';
const { deliveryQueue } = require('../lib/next-hop');

describe('deliveryQueue', () => {
  it('is queue/lmtp when that is the first delivering queue plugin listed', () => {
    expect(deliveryQueue(['tls', 'spamfilter', 'rcpt_to.in_host_list', 'queue/lmtp'])).toBe('lmtp');
    expect(deliveryQueue([' queue/lmtp ', 'queue/smtp_forward'])).toBe('lmtp');
  });

  it('is smtp_forward when that comes first, or when neither is listed (the default next hop)', () => {
    expect(deliveryQueue(['queue/smtp_forward', 'queue/lmtp'])).toBe('smtp_forward');
    expect(deliveryQueue(['spamfilter', 'queue/quarantine'])).toBe('smtp_forward');
    expect(deliveryQueue(undefined)).toBe('smtp_forward');
    expect(deliveryQueue([])).toBe('smtp_forward');
  });
});
