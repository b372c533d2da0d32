import { bulkSignals } from './bulk-signals';

const sym = (name: string, ...options: string[]) => ({ name, options });

describe('bulkSignals', () => {
  it('aligns DKIM in relaxed mode: the same organizational domain', () => {
    expect(
      bulkSignals([sym('R_DKIM_ALLOW', 'mail.shop.example.co.uk')], 'news@shop.example.co.uk').dkimAligned,
    ).toBe(true);
    expect(bulkSignals([sym('R_DKIM_ALLOW', 'esp.example.net')], 'news@shop.example.co.uk').dkimAligned).toBe(
      false,
    );
    expect(
      bulkSignals([sym('R_DKIM_REJECT', 'shop.example.co.uk')], 'news@shop.example.co.uk').dkimAligned,
    ).toBe(false);
    // Another customer under the same public suffix is not the same organization.
    expect(bulkSignals([sym('R_DKIM_ALLOW', 'evil.co.uk')], 'news@shop.co.uk').dkimAligned).toBe(false);
    expect(bulkSignals([sym('R_DKIM_ALLOW', 'shop.example')], null).dkimAligned).toBe(false);
  });

  it("reads the sender's standing: bad wins over good", () => {
    expect(bulkSignals([sym('SENDER_DOMAIN_REPUTATION_HAM')], 'a@b.example').reputation).toBe('good');
    expect(
      bulkSignals([sym('SENDER_DOMAIN_REPUTATION_HAM'), sym('IP_REPUTATION_SPAM')], 'a@b.example').reputation,
    ).toBe('bad');
    expect(bulkSignals([], 'a@b.example').reputation).toBe('unknown');
  });
});
