import {
  campaignConfirmed,
  decideAgreement,
  effectiveConsent,
  filterOpinion,
  isLegitimateBulk,
  supportFor,
  trustOf,
  trustUpdate,
} from './agreement-rules';

const TRUST = { marks: 10, minAgeDays: 7 };
const MIN = 1.5;

describe('filterOpinion', () => {
  it('is confident only beyond the logit on either side, unsure without a scan', () => {
    expect(filterOpinion('spam', 3, 2.2)).toBe('agrees');
    expect(filterOpinion('ham', 3, 2.2)).toBe('disagrees');
    expect(filterOpinion('ham', -2.2, 2.2)).toBe('agrees');
    expect(filterOpinion('spam', 1, 2.2)).toBe('unsure');
    expect(filterOpinion('spam', undefined, 2.2)).toBe('unsure');
  });
});

describe('trustOf', () => {
  it('gives new accounts and accounts without agreeing marks no weight', () => {
    expect(trustOf({ agreed: 50, disagreed: 0 }, 3, TRUST)).toBe(0);
    expect(trustOf({ agreed: 0, disagreed: 0 }, 100, TRUST)).toBe(0);
  });

  it('grows with agreeing marks toward (never to) 1 and falls as marks contradict the filter', () => {
    const good = trustOf({ agreed: 10, disagreed: 0 }, 30, TRUST);
    expect(good).toBeCloseTo(10 / 11, 6);
    expect(trustOf({ agreed: 5, disagreed: 0 }, 30, TRUST)).toBeCloseTo((5 / 6) * 0.5, 6);
    // A sleeper: 50 good marks, then 1,000 ham marked spam against a confident filter.
    expect(trustOf({ agreed: 50, disagreed: 1000 }, 30, TRUST)).toBeLessThan(0.05);
  });

  it('counts a mark by the filter and by peers', () => {
    expect(trustUpdate('agrees', 0)).toBe('agreed');
    expect(trustUpdate('disagrees', 2)).toBe('agreed');
    expect(trustUpdate('disagrees', 1)).toBe('disagreed');
    expect(trustUpdate('unsure', 1)).toBeNull();
  });
});

describe('decideAgreement', () => {
  const trusted = 10 / 11;
  it('never lets one account reach the global layer alone, however trusted', () => {
    expect(decideAgreement(supportFor('spam', 'unsure', trusted, []), MIN).train).toBe(false);
    expect(decideAgreement(supportFor('spam', 'disagrees', trusted, []), MIN).train).toBe(false);
    // A new account agreeing with the filter only repeats the filter: not enough either.
    expect(decideAgreement(supportFor('spam', 'agrees', 0, []), MIN).train).toBe(false);
  });

  it('lets a trusted user and the filter, two trusted users, or three against the filter through', () => {
    expect(decideAgreement(supportFor('spam', 'agrees', trusted, []), MIN)).toEqual({ train: true });
    expect(
      decideAgreement(supportFor('ham', 'unsure', trusted, [{ label: 'ham', weight: trusted }]), MIN),
    ).toEqual({ train: true });
    const two = supportFor('ham', 'disagrees', trusted, [{ label: 'ham', weight: trusted }]);
    expect(decideAgreement(two, MIN).train).toBe(false);
    const three = supportFor('ham', 'disagrees', trusted, [
      { label: 'ham', weight: trusted },
      { label: 'ham', weight: trusted },
    ]);
    expect(decideAgreement(three, MIN)).toEqual({ train: true });
  });

  it('a handful of new accounts weighs nothing, and opposing voters hold a mark back', () => {
    const puppets = Array.from({ length: 5 }, () => ({ label: 'spam' as const, weight: 0 }));
    expect(decideAgreement(supportFor('spam', 'unsure', 0, puppets), MIN).train).toBe(false);
    const contested = supportFor('spam', 'unsure', trusted, [
      { label: 'spam', weight: trusted },
      { label: 'ham', weight: trusted },
    ]);
    expect(contested).toEqual({ support: 2 * trusted, oppose: trusted });
    expect(decideAgreement(contested, MIN).train).toBe(false);
  });

  it('is off at 0 (every consenting mark, within the caps)', () => {
    expect(decideAgreement({ support: 0, oppose: 5 }, 0)).toEqual({ train: true });
  });
});

describe('isLegitimateBulk', () => {
  it('needs List-Unsubscribe, aligned DKIM and a good sender record together', () => {
    expect(isLegitimateBulk({ listUnsubscribe: true, dkimAligned: true, reputation: 'good' })).toBe(true);
    expect(isLegitimateBulk({ listUnsubscribe: false, dkimAligned: true, reputation: 'good' })).toBe(false);
    expect(isLegitimateBulk({ listUnsubscribe: true, dkimAligned: false, reputation: 'good' })).toBe(false);
    expect(isLegitimateBulk({ listUnsubscribe: true, dkimAligned: true, reputation: 'unknown' })).toBe(false);
    expect(isLegitimateBulk({ listUnsubscribe: true })).toBe(false);
  });
});

describe('effectiveConsent', () => {
  it("takes the user's answer over the domain's over the installation's", () => {
    expect(effectiveConsent({ user: false, domain: true, installation: true })).toEqual({
      share: false,
      source: 'user',
    });
    expect(effectiveConsent({ user: true, domain: false, installation: false })).toEqual({
      share: true,
      source: 'user',
    });
    expect(effectiveConsent({ user: null, domain: true, installation: false })).toEqual({
      share: true,
      source: 'domain',
    });
    expect(effectiveConsent({ user: null, domain: null, installation: false })).toEqual({
      share: false,
      source: 'installation',
    });
  });
});

describe('campaignConfirmed', () => {
  it('needs the configured number of distinct voters (0: campaigns off)', () => {
    expect(campaignConfirmed(2, 3)).toBe(false);
    expect(campaignConfirmed(3, 3)).toBe(true);
    expect(campaignConfirmed(10, 0)).toBe(false);
  });
});
