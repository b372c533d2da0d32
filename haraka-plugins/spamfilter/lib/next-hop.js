'use strict';
// Which queue plugin delivers accepted inbound mail, from config/plugins: queue/smtp_forward (SMTP to the next hop,
// answering the sender once the next hop has the message; haraka/inbound) or queue/lmtp (Haraka's outbound queue
// delivering over LMTP to a mailbox server such as Dovecot; haraka/inbound-lmtp). Haraka runs queue hooks in list
// order, so the first of the two listed is the one that delivers. Pure: unit-tested without Haraka.

/**
 * @param {readonly string[] | undefined} plugins config/plugins as Haraka reads it ('list')
 * @returns {'smtp_forward' | 'lmtp'}
 */
function deliveryQueue(plugins) {
  for (const line of plugins || []) {
    const name = String(line).trim();
    if (name === 'queue/lmtp') return 'lmtp';
    if (name === 'queue/smtp_forward') return 'smtp_forward';
  }
  return 'smtp_forward';
}

module.exports = { deliveryQueue };
