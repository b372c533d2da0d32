'use strict';
const { once } = require('../lib/once');

describe('once', () => {
  it('passes the first call through and reports the others', () => {
    const seen = [];
    const repeats = [];
    const next = once(
      (...args) => seen.push(args),
      (args) => repeats.push(args),
    );
    expect(next.called).toBe(false);
    expect(next(1, 'a')).toBe(true);
    expect(next(2, 'b')).toBe(false);
    expect(next()).toBe(false);
    expect(next.called).toBe(true);
    expect(seen).toEqual([[1, 'a']]);
    expect(repeats).toEqual([[2, 'b'], []]);
  });
});
