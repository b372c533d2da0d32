import { generateApiKey, hashSecret, parseApiKey, parseBearer, secretMatches } from './api-key.codec';

describe('api-key.codec', () => {
  it('generates keys that parse back to their parts and match their own hash only', () => {
    const key = generateApiKey();
    expect(key.token).toMatch(/^sf_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
    expect(parseApiKey(key.token)).toEqual({ prefix: key.prefix, secret: key.secret });
    expect(secretMatches(key.secret, key.secretHash)).toBe(true);
    expect(secretMatches(key.secret + 'x', key.secretHash)).toBe(false);
    expect(secretMatches(key.secret, 'abcd')).toBe(false);
    expect(key.secretHash).not.toContain(key.secret);
  });

  it('keeps underscores inside the secret', () => {
    const secret = 'abc_def-ghi_jkl_mno_pqr_stu';
    expect(parseApiKey(`sf_abcdefgh_${secret}`)).toEqual({ prefix: 'abcdefgh', secret });
  });

  it.each([
    [undefined],
    [''],
    ['Basic dXNlcjpwYXNz'],
    ['Bearer'],
    ['Bearer sf_short_abcdefghijklmnopqrstuvwxyz'],
    ['Bearer sf_abcdefgh_tooshort'],
    ['Bearer xx_abcdefgh_abcdefghijklmnopqrstuvwxyz'],
    ['Bearer sf_abcdefgh_abcdefghijklmnopqrstuvwxyz extra'],
  ])('rejects %p', (header) => {
    expect(parseBearer(header)).toBeNull();
  });

  it('accepts the bearer scheme case-insensitively', () => {
    expect(parseBearer('bearer sf_abcdefgh_abcdefghijklmnopqrstuvwxyz')).toEqual({
      prefix: 'abcdefgh',
      secret: 'abcdefghijklmnopqrstuvwxyz',
    });
  });

  it('hashes with sha256 hex', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
