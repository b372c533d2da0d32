import { DEFAULT_PARSE_LIMITS, parseMessage, parseMessageSync } from './index';

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'latin1');

describe('parseMessage', () => {
  it('reads multipart/alternative with base64 text and quoted-printable HTML', async () => {
    const text64 = Buffer.from('Hello Wörld, plain part', 'utf8').toString('base64');
    const raw = crlf(`From: "Ann Example" <ann@Example.COM>
To: bob@example.org, "Carl" <carl@EXAMPLE.net>
Reply-To: other@example.net
Subject: Greetings
Message-ID: <abc@example.com>
Date: Mon, 7 Oct 2002 11:28:52 +0000
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

preamble
--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

${text64}
--b1
Content-Type: text/html; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

<html><body><p>Caf=E9 <a href=3D"http://Click.Example.co.uk/x?y=3D1">Visit us</a>=
 now</p><script>var x=3D1;</script></body></html>
--b1--
epilogue
`);
    const msg = await parseMessage(raw);
    expect(msg.subject).toBe('Greetings');
    expect(msg.from).toEqual({ name: 'Ann Example', address: 'ann@example.com' });
    expect(msg.to.map((a) => a.address)).toEqual(['bob@example.org', 'carl@example.net']);
    expect(msg.replyTo[0]?.address).toBe('other@example.net');
    expect(msg.messageId).toBe('<abc@example.com>');
    expect(msg.date).toBe('2002-10-07T11:28:52.000Z');
    expect(msg.text).toBe('Hello Wörld, plain part');
    expect(msg.hasTextPart).toBe(true);
    expect(msg.hasHtmlPart).toBe(true);
    expect(msg.html).toContain('Café');
    expect(msg.html).toContain('now</p>');
    expect(msg.links).toEqual([
      { url: 'http://Click.Example.co.uk/x?y=1', host: 'click.example.co.uk', text: 'Visit us' },
    ]);
    expect(msg.htmlFeatures).toEqual(expect.arrayContaining(['a', 'script']));
    expect(msg.defects).toEqual([]);
    expect(msg.truncated).toBe(false);
    expect(msg.size).toBe(raw.length);
  });

  it('renders HTML-only mail to text without script content', () => {
    const msg = parseMessageSync(
      crlf(`Subject: x
Content-Type: text/html

<html><head><title>T1</title><style>p{color:red}</style></head><body>Win &amp; <b>save</b>&nbsp;now&#33;<br>Line2</body></html>
`),
    );
    expect(msg.hasTextPart).toBe(false);
    expect(msg.text).toContain('Win & save now!');
    expect(msg.text).toContain('Line2');
    expect(msg.text).toContain('T1');
    expect(msg.text).not.toContain('color:red');
  });

  it('decodes RFC 2047 subjects and display names, joining adjacent words', () => {
    const msg = parseMessageSync(
      crlf(`Subject: =?UTF-8?B?SMOpbGxv?= =?iso-8859-1?Q?_w=F6rld?= !
From: =?utf-8?q?J=C3=BCrgen?= <j@example.de>

body
`),
    );
    expect(msg.subject).toBe('Héllo wörld !');
    expect(msg.from?.name).toBe('Jürgen');
  });

  it('records an invalid charset as a defect and still decodes', () => {
    const head = crlf('Subject: x\nContent-Type: text/plain; charset=x-no-such-charset\n\n');
    const msg = parseMessageSync(Buffer.concat([head, Buffer.from('caf\xe9 ok', 'latin1')]));
    expect(msg.defects).toContain('unknown charset x-no-such-charset');
    expect(msg.text).toBe('café ok');
  });

  it('survives a broken boundary: missing closing delimiter and a boundary that never appears', () => {
    const missingClose = parseMessageSync(
      crlf(`Content-Type: multipart/mixed; boundary=zz

--zz
Content-Type: text/plain

first part
--zz
Content-Type: text/plain

second part, cut
`),
    );
    expect(missingClose.text).toContain('first part');
    expect(missingClose.text).toContain('second part, cut');
    expect(missingClose.defects).toContain('missing closing boundary');

    const notFound = parseMessageSync(
      crlf(`Content-Type: multipart/mixed; boundary=nothere

just text
`),
    );
    expect(notFound.defects).toContain('boundary not found');
    expect(notFound.text).toContain('just text');

    const noBoundary = parseMessageSync(
      crlf(`Content-Type: multipart/mixed

text anyway
`),
    );
    expect(noBoundary.defects).toContain('multipart without boundary');
  });

  it('gives an empty message and a message without body a result, not an exception', async () => {
    const empty = await parseMessage(Buffer.alloc(0));
    expect(empty.defects).toEqual(['empty message']);
    expect(empty.text).toBe('');
    const headersOnly = await parseMessage(Buffer.from('Subject: only headers\r\nFrom: a@b.c\r\n'));
    expect(headersOnly.subject).toBe('only headers');
    expect(headersOnly.text).toBe('');
    expect(headersOnly.defects).toContain('no body');
    const garbage = await parseMessage(Buffer.from([0, 255, 10, 13, 0, 58, 58]));
    expect(garbage.size).toBe(7);
  });

  it('decodes raw 8-bit headers as UTF-8 when valid, else Windows-1252', () => {
    const utf = parseMessageSync(Buffer.concat([Buffer.from('Subject: Grüße\r\n\r\nx', 'utf8')]));
    expect(utf.subject).toBe('Grüße');
    const latin = parseMessageSync(Buffer.from('Subject: Gr\xfc\xdfe \xe9\r\n\r\nx', 'latin1'));
    expect(latin.subject).toBe('Grüße é');
  });

  it('lists attachments with type, name and size without decoding them, and bounds a 20 MB attachment', () => {
    const big = Buffer.alloc(15 * 1024 * 1024, 7)
      .toString('base64')
      .replace(/(.{76})/g, '$1\r\n');
    const raw = Buffer.from(
      `Content-Type: multipart/mixed; boundary="X"\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--X\r\nContent-Type: application/octet-stream; name="a.exe"\r\nContent-Disposition: attachment; filename="invoice.pdf.exe"\r\nContent-Transfer-Encoding: base64\r\n\r\n${big}\r\n--X--\r\n`,
      'latin1',
    );
    expect(raw.length).toBeGreaterThan(20 * 1024 * 1024);
    // Bounded by the limits (cut, attachment listed not decoded); how long it takes is a figure of `bench -- bounds`.
    const bounded = parseMessageSync(raw);
    expect(bounded.truncated).toBe(true);
    expect(bounded.text).toBe('see attached');
    expect(bounded.attachments[0]).toMatchObject({
      filename: 'invoice.pdf.exe',
      contentType: 'application/octet-stream',
      disposition: 'attachment',
    });

    const whole = parseMessageSync(raw, { ...DEFAULT_PARSE_LIMITS, maxBytes: 32 * 1024 * 1024 });
    expect(whole.truncated).toBe(false);
    expect(whole.defects).toEqual([]);
    expect(whole.attachments[0]?.size).toBeGreaterThan(15 * 1024 * 1024);
    expect(whole.attachments[0]?.size).toBeLessThan(16 * 1024 * 1024);
  });

  it('hands each attachment to a visitor with lazily decoded bytes (base64, quoted-printable, 8bit, inside message/rfc822)', () => {
    const bin = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
    const b64 = bin.toString('base64').replace(/(.{76})/g, '$1\r\n');
    const inner = Buffer.from(
      `Content-Type: application/octet-stream; name=inner.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('PK\x03\x04inner').toString('base64')}\r\n`,
      'latin1',
    );
    const raw = Buffer.from(
      'Content-Type: multipart/mixed; boundary="X"\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nhi\r\n' +
        `--X\r\nContent-Type: application/zip; name=a.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n` +
        '--X\r\nContent-Type: application/pdf; name=b.pdf\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nPK=03=04=\r\nqp\r\n' +
        `--X\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n${inner.toString('base64')}\r\n--X--\r\n`,
      'latin1',
    );
    const seen: { name: string; head: string; bytes: Buffer; complete: boolean }[] = [];
    const msg = parseMessageSync(raw, DEFAULT_PARSE_LIMITS, (a, body) =>
      seen.push({
        name: a.filename,
        head: Buffer.from(body.head(4)).toString('latin1'),
        bytes: Buffer.from(body.bytes()),
        complete: body.complete,
      }),
    );
    expect(msg.attachments.map((a) => a.filename)).toEqual(['a.zip', 'b.pdf', 'inner.bin']);
    expect(seen.map((s) => s.name)).toEqual(['a.zip', 'b.pdf', 'inner.bin']);
    expect(seen[0]?.bytes.equals(bin)).toBe(true);
    expect(seen[0]?.head).toBe(bin.subarray(0, 4).toString('latin1'));
    expect(seen[1]?.bytes.toString('latin1')).toBe('PK\x03\x04qp');
    expect(seen[1]?.head).toBe('PK\x03\x04');
    expect(seen[2]?.bytes.toString('latin1')).toBe('PK\x03\x04inner');
    expect(seen.every((s) => s.complete)).toBe(true);
  });

  it('tells a visitor when the message was cut inside an attachment', () => {
    const b64 = Buffer.alloc(60_000, 1)
      .toString('base64')
      .replace(/(.{76})/g, '$1\r\n');
    const raw = Buffer.from(
      `Content-Type: multipart/mixed; boundary="X"\r\n\r\n--X\r\nContent-Type: application/zip; name=first.zip\r\n\r\nPK\r\n--X\r\nContent-Type: application/zip; name=a.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--X--\r\n`,
      'latin1',
    );
    const complete: boolean[] = [];
    parseMessageSync(raw, { ...DEFAULT_PARSE_LIMITS, maxBytes: 20_000 }, (_a, body) =>
      complete.push(body.complete),
    );
    expect(complete).toEqual([true, false]);
    const whole: boolean[] = [];
    parseMessageSync(raw, DEFAULT_PARSE_LIMITS, (_a, body) => whole.push(body.complete));
    expect(whole).toEqual([true, true]);
  });

  it('caps a million-token text at maxTextChars', () => {
    // The cap is the bound; the time it takes is a figure of `npm run -s bench -- bounds`.
    const raw = Buffer.from('Subject: long\r\n\r\n' + 'word '.repeat(1_000_000), 'latin1');
    const msg = parseMessageSync(raw, { ...DEFAULT_PARSE_LIMITS, maxBytes: 8 * 1024 * 1024 });
    expect(msg.text.length).toBe(DEFAULT_PARSE_LIMITS.maxTextChars);
    expect(msg.truncated).toBe(true);
  });

  it('bounds the number of parts', () => {
    let body = '';
    for (let i = 0; i < 50; i++) body += `--B\r\nContent-Type: text/plain\r\n\r\npart${i}\r\n`;
    const msg = parseMessageSync(
      Buffer.from(`Content-Type: multipart/mixed; boundary=B\r\n\r\n${body}--B--\r\n`),
      { ...DEFAULT_PARSE_LIMITS, maxParts: 5 },
    );
    expect(msg.truncated).toBe(true);
    expect(msg.text).toContain('part3');
    expect(msg.text).not.toContain('part10');
  });

  it('walks nested multiparts and message/rfc822, and finds bare URLs in text', () => {
    const msg = parseMessageSync(
      crlf(`Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain

Go to www.Shop.example.com/deal or https://user@evil.example.net:8080/p.
--inner--
--outer
Content-Type: message/rfc822

Subject: inner mail

forwarded words
--outer--
`),
    );
    expect(msg.text).toContain('forwarded words');
    expect(msg.links.map((l) => l.host)).toEqual(['www.shop.example.com', 'evil.example.net']);
    expect(msg.links[1]?.url).toBe('https://user@evil.example.net:8080/p');
    expect(msg.defects).toEqual([]);
  });
});
