import { hostingRefusal } from './recipient.service';

describe('hostingRefusal', () => {
  const owner = { address: 'bob@example.net', userId: 'u1', domainId: 'd1', tenantId: 't1', unknownRecipients: null };

  it('refuses a domain not hosted here as relaying (550 5.7.1)', () => {
    expect(hostingRefusal('x@gone.example', null, 'R1')).toEqual({
      smtp: { code: 550, enhanced: '5.7.1', message: 'Relaying denied: gone.example is not served here (ref R1)' },
      reason: 'relaying denied',
      mailbox: null,
    });
  });

  it('refuses an unknown mailbox with 550 5.1.1 only where the domain validates recipients', () => {
    expect(hostingRefusal('nobody@example.net', { ...owner, userId: null, unknownRecipients: 'reject' }, 'R2')).toMatchObject({
      smtp: { code: 550, enhanced: '5.1.1' },
      mailbox: 'unknown',
    });
    expect(hostingRefusal('nobody@example.net', { ...owner, userId: null }, 'R3')).toBeNull();
    expect(hostingRefusal('bob@example.net', { ...owner, unknownRecipients: 'reject' }, 'R4')).toBeNull();
  });
});
