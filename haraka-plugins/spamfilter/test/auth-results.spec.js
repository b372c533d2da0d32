'use strict';
const { authservIdOf, keepAuthResults, stripForgedAuthResults } = require('../lib/auth-results');
const { normalizeSettings } = require('../lib/settings');

describe('authservIdOf (RFC 8601 §2.2)', () => {
  it.each([
    ['mx.ours.example; spf=pass smtp.mailfrom=a@b.example', 'mx.ours.example'],
    ['  MX.Ours.Example. 1; none', 'mx.ours.example'],
    ['(forged (nested) comment) mx.ours.example;dkim=pass', 'mx.ours.example'],
    ['"mx.ours.example"; dmarc=pass', 'mx.ours.example'],
    ['mx.ours.example(comment);arc=pass', 'mx.ours.example'],
    ['; dkim=pass', ''],
  ])('%s → %s', (value, id) => {
    expect(authservIdOf(value)).toBe(id);
  });
});

describe('keepAuthResults', () => {
  it('drops every value claiming one of our ids, in any case or quoting, and keeps the other hops’ in order', () => {
    const values = [
      'other.example; spf=pass',
      'MX.OURS.EXAMPLE; dmarc=pass header.from=bank.example',
      'third.example; none',
      '"mx.ours.example"; dkim=pass',
    ];
    expect(keepAuthResults(values, ['mx.ours.example'])).toEqual([
      'other.example; spf=pass',
      'third.example; none',
    ]);
    expect(keepAuthResults(values, ['nothing.example'])).toEqual(values);
  });
});

describe('stripForgedAuthResults on a transaction', () => {
  // The part of Haraka's transaction the helper uses, with Haraka's semantics: remove_header removes every field of
  // that name, add_leading_header puts one at the top.
  const txn = (values, name = 'Authentication-Results') => {
    let list = values.map((v) => (Array.isArray(v) ? v : [name, v]));
    return {
      header: {
        get_all: (name) => list.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v),
      },
      remove_header: (name) => {
        list = list.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
      },
      add_leading_header: (name, value) => list.unshift([name, value]),
      values: () => list.map(([, v]) => v),
      fields: () => list,
    };
  };

  it('removes the forged ones and keeps the others in their order; touches nothing when there is none', () => {
    const t = txn(['a.example; spf=pass', 'spamfilter.local; dmarc=pass', 'b.example; none']);
    expect(stripForgedAuthResults(t, normalizeSettings({}).settings.authservIds)).toBe(1);
    expect(t.values()).toEqual(['a.example; spf=pass', 'b.example; none']);
    const clean = txn(['a.example; spf=pass']);
    clean.remove_header = () => {
      throw new Error('must not be called');
    };
    expect(stripForgedAuthResults(clean, ['spamfilter.local'])).toBe(0);
  });

  it('also cleans Original-Authentication-Results, where Haraka’s clean_auth_results moved the incoming ones', () => {
    const t = txn([
      ['Original-Authentication-Results', 'spamfilter.local; dmarc=pass header.from=paypal.com'],
      ['Original-Authentication-Results', 'mx.upstream.example; spf=pass'],
    ]);
    expect(stripForgedAuthResults(t, ['spamfilter.local'])).toBe(1);
    expect(t.fields()).toEqual([['Original-Authentication-Results', 'mx.upstream.example; spf=pass']]);
  });

  it('reads our ids from [headers] authserv_id, the filter’s default name when unset', () => {
    expect(normalizeSettings({}).settings.authservIds).toEqual(['spamfilter.local']);
    expect(
      normalizeSettings({ headers: { authserv_id: 'mx1.example, mx2.example' } }).settings.authservIds,
    ).toEqual(['mx1.example', 'mx2.example']);
  });
});
