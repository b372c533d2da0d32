import { parseMessageSync, type ParsedMessage } from '@spamfilter/mail';
import { plainMessage } from './plain-message.fixture';
import {
  ContentCheck,
  isListMail,
  repeatedRuns,
  sameOrganisation,
  spoofedDisplayName,
} from './content.check';

const base = plainMessage;
const check = new ContentCheck({ marketingPhrases: ['Act  Now', 'risk free', 'lowest price'] });
const names = (m: Partial<ParsedMessage>): string[] => check.evaluate({ ...base, ...m }).map((h) => h.name);

describe('ContentCheck', () => {
  it('says nothing about an ordinary message', () => {
    expect(check.evaluate(base)).toEqual([]);
  });

  it('flags a missing or blank subject', () => {
    expect(names({ subject: null })).toEqual(['MISSING_SUBJECT']);
    expect(names({ subject: '   ' })).toEqual(['MISSING_SUBJECT']);
  });

  it('flags Reply-To in another organisation only', () => {
    expect(names({ replyTo: [{ name: '', address: 'x@mail.example.com' }] })).toEqual([]);
    const hit = check.evaluate({ ...base, replyTo: [{ name: '', address: 'x@collect.example.net' }] });
    expect(hit).toEqual([{ name: 'REPLYTO_DIFF_FROM', options: ['shop.example.com → collect.example.net'] }]);
  });

  it('does not count the Reply-To of list mail, which the list sets to itself (RFC 2919 / RFC 2369 headers)', () => {
    const listReply = { replyTo: [{ name: '', address: 'users@lists.example.org' }] };
    for (const name of ['List-Id', 'list-post', 'List-Unsubscribe', 'Mailing-List'])
      expect(names({ ...listReply, headers: [{ name, value: '<users.lists.example.org>' }] })).toEqual([]);
    expect(names({ ...listReply, headers: [{ name: 'X-Mailer', value: 'x' }] })).toEqual([
      'REPLYTO_DIFF_FROM',
    ]);
    expect(isListMail({ headers: [{ name: 'List-ID', value: '<a.b>' }] })).toBe(true);
    expect(isListMail({ headers: [{ name: 'X-List', value: 'a' }] })).toBe(false);
  });

  it('flags repeated-character separators, not a single rule or normal text', () => {
    expect(names({ text: 'a\n==========\nb\n**************\nc' })).toEqual(['REPEATED_CHAR_SEPARATOR']);
    expect(names({ text: 'a\n----------\nsignature' })).toEqual([]);
    expect(names({ text: 'aaaaaaaaaaaaaaaaaaaaaaaaa and zzzzzzzzzzzzzzzzzzzzzzzzzzz' })).toEqual([
      'REPEATED_CHAR_SEPARATOR',
    ]);
  });

  it('finds the same separator runs as the rule written as a regular expression, on random text', () => {
    const rule = /([^\p{L}\p{N}\s])\1{9,}|(\p{L})\2{19,}/gu;
    const alphabet = ['=', '*', '-', 'a', 'B', 'é', '7', ' ', '\n', '😀', '中'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 500; n++) {
      let text = '';
      while (text.length < 200) text += alphabet[next() % alphabet.length].repeat(1 + (next() % 25));
      expect(repeatedRuns(text)).toEqual(text.match(rule) ?? []);
    }
    expect(repeatedRuns('😀'.repeat(10))).toEqual(['😀'.repeat(10)]);
    expect(repeatedRuns('1111111111111111111111111    ')).toEqual([]);
  });

  it('finds configured phrases case- and whitespace-insensitively, factor by count (max 3)', () => {
    const [hit] = check.evaluate({ ...base, subject: 'ACT\tNOW', text: 'Risk free at the lowest   price' });
    expect(hit).toEqual({
      name: 'MARKETING_PHRASE',
      factor: 3,
      options: ['act now', 'risk free', 'lowest price'],
    });
    expect(new ContentCheck({ marketingPhrases: [] }).evaluate({ ...base, text: 'act now' })).toEqual([]);
  });

  it('tells executables from double extensions', () => {
    const att = (filename: string) => ({
      filename,
      contentType: 'application/octet-stream',
      size: 10,
      disposition: 'attachment' as const,
    });
    expect(
      check.evaluate({
        ...base,
        attachments: [att('setup.EXE'), att('invoice.pdf.scr'), att('photo.jpg'), att('notes.v2.txt')],
      }),
    ).toEqual([
      { name: 'EXECUTABLE_ATTACHMENT', options: ['setup.EXE'] },
      { name: 'DOUBLE_EXTENSION_ATTACHMENT', options: ['invoice.pdf.scr'] },
    ]);
  });

  it('flags HTML-only mail', () => {
    expect(names({ hasHtmlPart: true, hasTextPart: false })).toEqual(['MIME_HTML_ONLY']);
    expect(names({ hasHtmlPart: true, hasTextPart: true })).toEqual([]);
  });

  it('flags link text naming another host than the link, not same-site links or plain words', () => {
    const link = (text: string | null, host: string) => ({ url: `http://${host}/`, host, text });
    expect(
      names({
        links: [link('www.paypal.com', 'paypal.com.evil.example'), link('Click here', 'evil.example')],
      }),
    ).toEqual(['URL_TEXT_HOST_MISMATCH']);
    expect(
      names({
        links: [
          link('https://www.example.com/a', 'example.com'),
          link('example.com', 'links.example.com'),
          link(null, 'x.example'),
        ],
      }),
    ).toEqual([]);
  });

  it('reports parser defects', () => {
    expect(check.evaluate({ ...base, defects: ['missing closing boundary'] })).toEqual([
      { name: 'MESSAGE_DEFECTS', options: ['missing closing boundary'] },
    ]);
  });

  it('compares organisations by registrable domain (public suffix list), not the last two labels', () => {
    expect(sameOrganisation('a.example.com', 'example.com')).toBe(true);
    expect(sameOrganisation('mail.example.com', 'news.example.com')).toBe(true);
    expect(sameOrganisation('example.com', 'example.net')).toBe(false);
    expect(sameOrganisation('evil.attacker.co.uk', 'host1.customer.co.uk')).toBe(false);
    expect(sameOrganisation('www.bank.co.uk', 'secure.bank.co.uk')).toBe(true);
    const hit = check.evaluate({
      ...base,
      from: { name: '', address: 'a@bank.co.uk' },
      replyTo: [{ name: '', address: 'x@collect.co.uk' }],
    });
    expect(hit.map((h) => h.name)).toEqual(['REPLYTO_DIFF_FROM']);
  });

  it('flags a display name showing another organisation’s address', () => {
    expect(spoofedDisplayName('"service@paypal.com"', 'evil.example')).toBe('service@paypal.com');
    expect(spoofedDisplayName('Ann (ann@shop.example.com)', 'mail.example.com')).toBeNull();
    expect(spoofedDisplayName('PayPal Service', 'evil.example')).toBeNull();
    expect(
      check.evaluate({ ...base, from: { name: 'security@bank.co.uk', address: 'x@phish.co.uk' } }),
    ).toEqual([{ name: 'SPOOF_DISPLAY_NAME', options: ['security@bank.co.uk → phish.co.uk'] }]);
  });
});

describe('GTUBE', () => {
  const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
  const mail = (headers: string[], body: string) =>
    Buffer.from(
      [...['From: a@b.example', 'Subject: test', 'MIME-Version: 1.0'], ...headers, '', body].join('\r\n'),
    );
  const found = (raw: Buffer) => check.evaluate(parseMessageSync(raw)).some((h) => h.name === 'GTUBE');

  it('is found in plain text, base64, quoted-printable, HTML and a multipart’s HTML alternative', () => {
    expect(found(mail(['Content-Type: text/plain'], `Hello\r\n${GTUBE}\r\n`))).toBe(true);
    expect(
      found(
        mail(
          ['Content-Type: text/plain', 'Content-Transfer-Encoding: base64'],
          Buffer.from(`line\r\n${GTUBE}\r\n`).toString('base64'),
        ),
      ),
    ).toBe(true);
    expect(
      found(
        mail(
          ['Content-Type: text/plain', 'Content-Transfer-Encoding: quoted-printable'],
          `${GTUBE.slice(0, 40)}=\r\n${GTUBE.slice(40)}\r\n`,
        ),
      ),
    ).toBe(true);
    expect(found(mail(['Content-Type: text/html'], `<html><body><p>${GTUBE}</p></body></html>`))).toBe(true);
    const multipart = [
      '--b1',
      'Content-Type: text/plain',
      '',
      'nothing to see',
      '--b1',
      'Content-Type: text/html',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(`<b>${GTUBE}</b>`).toString('base64'),
      '--b1--',
      '',
    ].join('\r\n');
    expect(found(mail(['Content-Type: multipart/alternative; boundary="b1"'], multipart))).toBe(true);
  });

  it('is not found when the string is incomplete', () => {
    expect(found(mail(['Content-Type: text/plain'], GTUBE.slice(0, -3)))).toBe(false);
  });
});
