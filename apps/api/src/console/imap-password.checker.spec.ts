import { fakeImap } from '../../../../test/console/fake-imap';
import {
  checkImapPassword,
  loginParts,
  mayLoginInClear,
  parseImapUrl,
  taggedStatus,
} from './imap-password.checker';

describe('IMAP password check (CONSOLE_IMAP_URL)', () => {
  it('reads imap and imaps URLs with their default ports', () => {
    expect(parseImapUrl('imaps://mail.example.net')).toEqual({
      host: 'mail.example.net',
      port: 993,
      implicitTls: true,
    });
    expect(parseImapUrl('imap://127.0.0.1:1143/')).toEqual({
      host: '127.0.0.1',
      port: 1143,
      implicitTls: false,
    });
    expect(parseImapUrl('http://mail.example.net')).toBeNull();
  });

  it('sends LOGIN as literals, so any password byte goes as it is', () => {
    expect(loginParts('a3', 'bob@x.example', 'pä"ss')).toEqual([
      'a3 LOGIN {13}\r\n',
      'bob@x.example {6}\r\n',
      'pä"ss\r\n',
    ]);
    expect(taggedStatus(['* OK', 'a3 NO wrong'], 'a3')).toBe('NO');
    expect(taggedStatus(['a3 ok fine'], 'a3')).toBe('OK');
    expect(taggedStatus(['a30 OK'], 'a3')).toBeNull();
  });

  it('accepts the right password and refuses a wrong one or an unknown mailbox', async () => {
    const imap = await fakeImap('normal');
    try {
      expect(
        await checkImapPassword(imap.target, 'alice@example.org', 'correct horse "battery" staple'),
      ).toBe('ok');
      expect(await checkImapPassword(imap.target, 'alice@example.org', 'wrong')).toBe('refused');
      expect(await checkImapPassword(imap.target, 'mallory@example.org', 'x')).toBe('refused');
      expect(imap.logins).toEqual(['alice@example.org', 'alice@example.org', 'mallory@example.org']);
    } finally {
      await imap.close();
    }
  });

  it('never sends a line break or NUL inside a credential (no command injection)', async () => {
    const imap = await fakeImap('normal');
    try {
      expect(await checkImapPassword(imap.target, 'alice@example.org', 'x\r\na9 LOGOUT')).toBe('refused');
      expect(await checkImapPassword(imap.target, 'alice@example.org\0', 'x')).toBe('refused');
      expect(imap.logins).toEqual([]);
    } finally {
      await imap.close();
    }
  });

  it.each(['hang', 'drop', 'garbage', 'bye'] as const)(
    'is unavailable, not ok, when the server does %s',
    async (mode) => {
      const imap = await fakeImap(mode);
      try {
        expect(
          await checkImapPassword(imap.target, 'alice@example.org', 'correct horse "battery" staple'),
        ).toBe('unavailable');
      } finally {
        await imap.close();
      }
    },
  );

  it('refuses (does not accept) when the server answers BAD', async () => {
    const imap = await fakeImap('no-literal');
    try {
      expect(
        await checkImapPassword(imap.target, 'alice@example.org', 'correct horse "battery" staple'),
      ).toBe('refused');
    } finally {
      await imap.close();
    }
  });

  it('sends a password in clear only to a server on loopback; elsewhere it needs TLS or STARTTLS', () => {
    expect(['127.0.0.1', '127.0.0.2', '::1', 'localhost'].every(mayLoginInClear)).toBe(true);
    expect(['192.0.2.1', 'mail.example.net', '10.0.0.1', '::ffff:192.0.2.1'].some(mayLoginInClear)).toBe(
      false,
    );
  });
});
