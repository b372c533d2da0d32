import { headerValue, nxdomainReply, parseHttpReply, parseRspamdCheck, parseSpamdReply } from './replies';

// A spamd HEADERS reply as SpamAssassin 4.0.1 writes it with bench/compare's local.cf (taken from a real scan of an
// sa-dev spam, Bayes off): the Tests header folds, and its scores sum to 8.225 where the Spam: line says 8.2.
const SPAMD_REPLY = [
  'SPAMD/1.1 0 EX_OK',
  'Content-length: 420',
  'Spam: True ; 8.2 / 5.0',
  '',
  'Subject: Save now',
  'X-Spam-Status: Yes, score=8.2 required=5.0 tests=DATE_IN_PAST_03_06,',
  '\tHTML_FONT_LOW_CONTRAST autolearn=disabled version=4.0.1',
  'X-Spam-Bayes: 0.9987',
  'X-Spam-Tests: DATE_IN_PAST_03_06=2.399,HTML_FONT_LOW_CONTRAST=0.713,',
  '\tHTML_FONT_SIZE_HUGE=0.001,HTML_FONT_TINY_NORDNS=1,HTML_MESSAGE=0.001,',
  '\tMARKETING_PARTNERS=0.553,NORDNS_LOW_CONTRAST=1,NORMAL_HTTP_TO_IP=0.159,',
  '\tRDNS_NONE=2.399',
  '',
].join('\r\n');

describe('parseSpamdReply', () => {
  it('reads the Bayes probability and sums the rule scores at full precision', () => {
    expect(parseSpamdReply(SPAMD_REPLY)).toEqual({ bayes: 0.9987, full: 8.225 });
  });

  it('counts a negative rule and gives 0.5 when Bayes did not speak', () => {
    const reply =
      'SPAMD/1.1 0 EX_OK\r\nSpam: False ; -1.9 / 5.0\r\n\r\nX-Spam-Bayes: 0.5\r\nX-Spam-Tests: BAYES_00=-1.9,T_SPF_TEMPERROR=0.01\r\n\r\n';
    expect(parseSpamdReply(reply)).toEqual({ bayes: 0.5, full: -1.89 });
  });

  it('falls back to the rounded Spam: score when the Tests header disagrees or is missing', () => {
    expect(
      parseSpamdReply('SPAMD/1.1 0 EX_OK\r\nSpam: True ; 6.3 / 5.0\r\n\r\nX-Spam-Tests: none\r\n\r\n'),
    ).toEqual({ bayes: 0.5, full: 6.3 });
    expect(parseSpamdReply('SPAMD/1.1 0 EX_OK\r\nSpam: False ; 1.0 / 5.0\r\n\r\nSubject: x\r\n\r\n')).toEqual(
      { bayes: 0.5, full: 1 },
    );
  });

  it('refuses an error status or something that is not spamd', () => {
    expect(() => parseSpamdReply('SPAMD/1.0 76 Bad header line: xyz\r\n\r\n')).toThrow('spamd: 76 Bad');
    expect(() => parseSpamdReply('HTTP/1.1 200 OK\r\n\r\n')).toThrow('not a spamd reply');
  });
});

describe('headerValue', () => {
  it('unfolds a folded field and ignores case', () => {
    expect(headerValue('A: 1\r\nx-spam-bayes: 0.25\r\nB: 2\r\n', 'X-Spam-Bayes')).toBe('0.25');
    expect(headerValue('T: a,\r\n\tb\r\nU: c', 'T')).toBe('a, b');
    expect(headerValue('T: a', 'U')).toBeNull();
  });
});

describe('parseRspamdCheck', () => {
  const reply = (symbols: Record<string, unknown>, score = 3.2) => ({
    is_skipped: false,
    score,
    required_score: 15,
    action: 'no action',
    symbols,
  });

  it('turns BAYES_SPAM and BAYES_HAM options into a spam probability', () => {
    expect(
      parseRspamdCheck(reply({ BAYES_SPAM: { name: 'BAYES_SPAM', score: 5.09, options: ['99.80%'] } }, 11.5)),
    ).toEqual({ bayes: 0.998, full: 11.5 });
    expect(
      parseRspamdCheck(reply({ BAYES_HAM: { name: 'BAYES_HAM', score: -2.9, options: ['97.00%'] } }, -1.4)),
    ).toEqual({ bayes: 0.03, full: -1.4 });
  });

  it('gives 0.5 when the classifier did not speak', () => {
    expect(parseRspamdCheck(reply({ MIME_GOOD: { score: -0.1, options: ['text/plain'] } }))).toEqual({
      bayes: 0.5,
      full: 3.2,
    });
    expect(parseRspamdCheck({ score: 0 })).toEqual({ bayes: 0.5, full: 0 });
  });

  it('refuses a reply without a score', () => {
    expect(() => parseRspamdCheck({ error: 'bad request' })).toThrow('rspamd: unexpected reply');
  });
});

describe('parseHttpReply', () => {
  it('cuts the body at Content-Length and ignores bytes after it', () => {
    const raw = Buffer.from(
      'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 16\r\n\r\n{"success":true}\r\njunk',
    );
    expect(parseHttpReply(raw)).toEqual({ status: 200, body: '{"success":true}' });
  });

  it('reads to the end without Content-Length and refuses a truncated header', () => {
    expect(parseHttpReply(Buffer.from('HTTP/1.0 208 Already\r\n\r\nlearned'))).toEqual({
      status: 208,
      body: 'learned',
    });
    expect(() => parseHttpReply(Buffer.alloc(0), 'rspamd /learnham')).toThrow(
      'rspamd /learnham: no complete reply header in 0 bytes',
    );
  });
});

describe('nxdomainReply', () => {
  // dig-style query for example.com A with RD set, ID 0xbeef, plus an EDNS OPT record in the additional section
  const question = Buffer.from([7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0, 0, 1, 0, 1]);
  const opt = Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]);
  const query = Buffer.concat([Buffer.from([0xbe, 0xef, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1]), question, opt]);

  it('answers with the same ID and question, QR/RD/RA set, RCODE 3 and no records', () => {
    const r = nxdomainReply(query) as Buffer;
    expect(r.readUInt16BE(0)).toBe(0xbeef);
    expect(r[2]).toBe(0x81); // QR + RD
    expect(r[3]).toBe(0x83); // RA + NXDOMAIN
    expect([r.readUInt16BE(4), r.readUInt16BE(6), r.readUInt16BE(8), r.readUInt16BE(10)]).toEqual([
      1, 0, 0, 0,
    ]);
    expect(r.subarray(12).equals(question)).toBe(true);
  });

  it('ignores responses and datagrams too short to be queries', () => {
    const response = Buffer.from(query);
    response[2] = 0x81;
    expect(nxdomainReply(response)).toBeNull();
    expect(nxdomainReply(Buffer.from([1, 2, 3]))).toBeNull();
    expect(nxdomainReply(Buffer.concat([query.subarray(0, 12), Buffer.from([7, 0x65])]))).toBeNull();
  });
});
