'use strict';
const {
  authStep,
  authTally,
  authOutcome,
  parseAuthCheck,
  lockedReply,
  AUTH_USER_MAX,
} = require('../lib/auth-guard');

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const offered = (extra = {}) => ({ allowed_auth_methods: ['PLAIN', 'LOGIN', 'CRAM-MD5'], ...extra });

describe('authStep: the line that completes the credentials, before auth_base checks them', () => {
  it('AUTH PLAIN with an initial response (RFC 4954 §4) carries the user', () => {
    expect(authStep(['AUTH', `PLAIN ${b64('\0alice@example.net\0secret')}`], offered())).toEqual({
      kind: 'credentials',
      method: 'PLAIN',
      user: 'alice@example.net',
    });
    expect(authStep(['auth', `plain ${b64('admin\0bob\0pw')}`], offered())).toMatchObject({ user: 'bob' });
  });

  it('AUTH lines that only start an exchange are not credentials', () => {
    for (const line of ['PLAIN', 'PLAIN =', `LOGIN ${b64('alice')}`, 'LOGIN', 'CRAM-MD5'])
      expect(authStep(['AUTH', line], offered())).toEqual({ kind: 'other' });
  });

  it('ignores AUTH where auth_base would: no AUTH offered, a method not offered, AUTH inside an exchange', () => {
    const plain = ['AUTH', `PLAIN ${b64('\0alice\0pw')}`];
    expect(authStep(plain, {})).toEqual({ kind: 'other' });
    expect(authStep(plain, { allowed_auth_methods: ['LOGIN'] })).toEqual({ kind: 'other' });
    expect(authStep(plain, offered({ authenticating: true, auth_method: 'LOGIN' }))).toEqual({
      kind: 'other',
    });
    expect(authStep(['AUTH'], offered())).toEqual({ kind: 'other' });
  });

  it('PLAIN without initial response: the next line carries the credentials', () => {
    const notes = offered({ authenticating: true, auth_method: 'PLAIN', auth_plain_asked_login: true });
    expect(authStep([b64('\0carol@example.net\0pw'), ''], notes)).toMatchObject({
      kind: 'credentials',
      user: 'carol@example.net',
    });
  });

  it('LOGIN: the user line is not, the password line is (the user from auth_base’s notes)', () => {
    const asked = offered({ authenticating: true, auth_method: 'LOGIN', auth_login_asked_login: true });
    expect(authStep([b64('dave@example.net'), ''], asked)).toEqual({ kind: 'other' });
    expect(authStep([b64('pw'), ''], { ...asked, auth_login_userlogin: 'dave@example.net' })).toEqual({
      kind: 'credentials',
      method: 'LOGIN',
      user: 'dave@example.net',
    });
  });

  it('CRAM-MD5: the answer to the challenge is "user digest" (RFC 2195)', () => {
    const notes = offered({ authenticating: true, auth_method: 'CRAM-MD5', auth_ticket: '<1.2@host>' });
    expect(authStep([b64('erin@example.net 0123456789abcdef'), ''], notes)).toMatchObject({
      method: 'CRAM-MD5',
      user: 'erin@example.net',
    });
  });

  it('other commands are not AUTH', () => {
    expect(authStep(['XCLIENT', 'ADDR=1.2.3.4'], offered())).toEqual({ kind: 'other' });
    expect(authStep([b64('\0a\0b'), ''], offered())).toEqual({ kind: 'other' }); // not inside an exchange
  });

  it('a malformed PLAIN string still counts for the client (empty user), and long users are cut', () => {
    expect(authStep(['AUTH', `PLAIN ${b64('garbage')}`], offered())).toEqual({
      kind: 'credentials',
      method: 'PLAIN',
      user: '',
    });
    expect(authStep(['AUTH', `PLAIN ${b64(`\0${'x'.repeat(5000)}\0pw`)}`], offered()).user).toHaveLength(
      AUTH_USER_MAX,
    );
  });
});

describe('authOutcome: what auth_base recorded in results "auth" since the attempt was handed on', () => {
  it('tells failure, success and not yet', () => {
    const before = authTally({ pass: [], fail: ['flat_file/PLAIN'] });
    expect(before).toEqual({ fails: 1, passes: 0 });
    expect(authOutcome(before, { pass: [], fail: ['flat_file/PLAIN'] })).toBeNull();
    expect(authOutcome(before, { pass: [], fail: ['flat_file/PLAIN', 'flat_file/PLAIN'] })).toBe('failure');
    expect(authOutcome(before, { pass: ['flat_file'], fail: ['flat_file/PLAIN'], user: 'a' })).toBe(
      'success',
    );
    expect(authOutcome(authTally(undefined), undefined)).toBeNull();
    expect(authOutcome(null, { fail: ['x'] })).toBeNull();
  });
});

describe('parseAuthCheck', () => {
  it('accepts the filter’s two answers', () => {
    expect(parseAuthCheck('{"allow":true}')).toEqual({ ok: true, answer: { allow: true } });
    expect(parseAuthCheck('{"allow":false,"reason":"account","retryAfterSeconds":899.2}')).toEqual({
      ok: true,
      answer: { allow: false, reason: 'account', retryAfterSeconds: 900 },
    });
  });

  it('refuses anything else (the AUTH then goes on)', () => {
    for (const body of [
      '',
      'null',
      '[]',
      '{"allow":"no"}',
      '{"allow":false}',
      '{"allow":false,"reason":"mood"}',
    ])
      expect(parseAuthCheck(body).ok).toBe(false);
  });
});

describe('lockedReply', () => {
  it('454 4.7.0 by default, saying when to come back', () => {
    expect(lockedReply({ retryAfterSeconds: 900 }, 454)).toEqual({
      code: 454,
      disconnect: false,
      message: '4.7.0 Too many failed authentication attempts, try again in 15 minutes',
    });
    expect(lockedReply({ retryAfterSeconds: 42 }, 454).message).toMatch(/in 42 seconds$/);
    expect(lockedReply({ retryAfterSeconds: 0 }, 454).message).toMatch(/try again later$/);
  });

  it('421 closes the connection', () => {
    expect(lockedReply({ retryAfterSeconds: 60 }, 421)).toMatchObject({ code: 421, disconnect: true });
  });
});
