import { loadConfig } from '@spamfilter/config';
import { REFERENCE_ID_PATTERN, SCAN_HEADERS, type ScanVerdict } from '@spamfilter/domain';
import request from 'supertest';
import { createFilterApp, type FilterApp } from '../bootstrap';
import { InMemoryListSource } from '../checks/lists/list-source';
import { InMemoryPolicySource } from '../services/policy.service';

const HAM = [
  'From: Alice <alice@example.org>',
  'To: bob@example.com',
  'Subject: lunch on friday',
  'Message-ID: <1@example.org>',
  'Date: Mon, 2 Nov 2026 10:00:00 +0000',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Hi Bob, are we still on for lunch on Friday? Alice',
  '',
].join('\r\n');

const SPAMMY = [
  'From: Deals <deals@promo.example.net>',
  'Reply-To: claims@other-host.example.biz',
  'To: bob@example.com',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>ACT NOW! limited time offer, 100% free, risk free!</p><p>==========</p><p>**********</p>',
  '<a href="http://evil.example.ru/login">www.paypal.com</a>',
  '--b1',
  'Content-Type: application/octet-stream; name="invoice.pdf.exe"',
  'Content-Disposition: attachment; filename="invoice.pdf.exe"',
  'Content-Transfer-Encoding: base64',
  '',
  'TVqQAAMAAAAEAAAA',
  '--b1--',
  '',
].join('\r\n');

function envelope(over: Record<string, string> = {}): Record<string, string> {
  return {
    [SCAN_HEADERS.clientIp]: '192.0.2.10',
    [SCAN_HEADERS.helo]: 'mail.example.org',
    [SCAN_HEADERS.mailFrom]: 'alice@example.org',
    [SCAN_HEADERS.rcptTo]: 'bob@example.com',
    [SCAN_HEADERS.direction]: 'inbound',
    'content-type': 'message/rfc822',
    ...over,
  };
}

describe('POST /v1/scan (embedded defaults, DNS off)', () => {
  let filter: FilterApp;
  const lists = new InMemoryListSource();
  const policies = new InMemoryPolicySource();

  beforeAll(async () => {
    filter = await createFilterApp(loadConfig({ SCAN_MAX_BYTES: '4096' }), { lists, policies });
  });
  afterAll(async () => {
    await filter.close();
  });

  it('answers an explained verdict for ham: accept, reference, headers, symbols', async () => {
    const res = await request(filter.server).post('/v1/scan').set(envelope()).send(HAM).expect(200);
    const v = res.body as ScanVerdict;
    expect(v.reference).toMatch(REFERENCE_ID_PATTERN);
    expect(v.action).toBe('accept');
    expect(v.smtp.code).toBe(250);
    expect(v.recipients).toHaveLength(1);
    expect(v.recipients[0]).toMatchObject({
      recipient: 'bob@example.com',
      action: 'accept',
      thresholds: { tag: 2.5, greylist: 2.5, reject: 15 },
    });
    expect(v.headers).toContainEqual(['X-Spam-Reference', v.reference]);
    expect(v.headers.find(([n]) => n === 'X-Spam-Status')?.[1]).toMatch(/^No, score=/);
    expect(v.reason).toMatch(/^accepted/);
  });

  it('answers the same through the direct scan route and through Nest’s router; other methods stay Nest’s', async () => {
    const direct = await request(filter.server).post('/v1/scan').set(envelope()).send(HAM).expect(200);
    // A query string does not match the direct route, so this request goes through Express and Nest.
    const routed = await request(filter.server)
      .post('/v1/scan?via=router')
      .set(envelope())
      .send(HAM)
      .expect(200);
    const shape = (v: ScanVerdict) => ({
      action: v.action,
      score: v.score,
      symbols: v.symbols.map((x) => x.name).sort(),
    });
    expect(shape(routed.body as ScanVerdict)).toEqual(shape(direct.body as ScanVerdict));
    expect((routed.body as ScanVerdict).reference).not.toBe((direct.body as ScanVerdict).reference);
    // Only a response that went through Express carries its X-Powered-By: the direct route really bypasses it.
    expect(routed.headers['x-powered-by']).toBe('Express');
    expect(direct.headers['x-powered-by']).toBeUndefined();
    await request(filter.server).post('/v1/scan?via=router').set(envelope()).send('').expect(400);
    await request(filter.server).get('/v1/scan').expect(404);
  });

  it('refuses blatant content spam (several strong signals) and lists every content symbol with weight, group and options', async () => {
    policies.setUser('nogrey@example.com', { greylisting: { enabled: false } });
    const res = await request(filter.server)
      .post('/v1/scan')
      .set(envelope({ [SCAN_HEADERS.rcptTo]: 'nogrey@example.com' }))
      .send(SPAMMY)
      .expect(200);
    const v = res.body as ScanVerdict;
    const names = v.symbols.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'MISSING_SUBJECT',
        'REPLYTO_DIFF_FROM',
        'MARKETING_PHRASE',
        'DOUBLE_EXTENSION_ATTACHMENT',
        'MIME_HTML_ONLY',
        'URL_TEXT_HOST_MISMATCH',
        'REPEATED_CHAR_SEPARATOR',
      ]),
    );
    const phrase = v.symbols.find((s) => s.name === 'MARKETING_PHRASE')!;
    expect(phrase).toMatchObject({ group: 'content', weight: 1.5 });
    expect(phrase.options).toEqual(expect.arrayContaining(['act now', 'limited time offer']));
    // a double-extension executable, a link showing paypal.com, a foreign Reply-To, marketing phrases, no subject:
    // past reject (15) on content alone with DNS checks off; content stays capped at 20 by the default policy
    expect(v.score).toBeGreaterThanOrEqual(15);
    expect(v.action).toBe('reject');
    expect(v.smtp).toMatchObject({ code: 550, enhanced: '5.7.1' });
    expect(v.recipients[0].headers).toContainEqual(['X-Spam-Flag', 'YES']);
    expect(
      v.symbols.filter((s) => s.group === 'content').reduce((a, s) => a + s.score, 0),
    ).toBeLessThanOrEqual(20.05);
  });

  it('applies a block for one recipient only and shows an allow in the explanation', async () => {
    lists.replace([
      { scope: 'user', owner: 'carol@example.com', kind: 'block', match: 'domain', value: 'example.org' },
      { scope: 'user', owner: 'dave@example.com', kind: 'allow', match: 'cidr', value: '192.0.2.0/24' },
    ]);
    const res = await request(filter.server)
      .post('/v1/scan')
      .set(envelope({ [SCAN_HEADERS.rcptTo]: 'bob@example.com, carol@example.com, <dave@example.com>' }))
      .send(HAM)
      .expect(200);
    const v = res.body as ScanVerdict;
    const by = Object.fromEntries(v.recipients.map((r) => [r.recipient, r]));
    expect(by['carol@example.com'].action).toBe('reject');
    expect(by['carol@example.com'].smtp).toMatchObject({ code: 550, enhanced: '5.7.1' });
    expect(by['carol@example.com'].symbols.map((s) => s.name)).toEqual(['USER_BLOCK']);
    expect(by['bob@example.com'].action).toBe('accept');
    expect(by['dave@example.com'].symbols[0]).toMatchObject({
      name: 'USER_ALLOW',
      options: ['allow:cidr:192.0.2.0/24'],
    });
    expect(v.action).toBe('reject');
    // the message is still delivered to the others: one 250 at end of DATA, carol dropped by the MTA
    expect(v.smtp.code).toBe(250);
    lists.replace([]);
  });

  it('uses each recipient’s own policy layer', async () => {
    policies.setUser('strict@example.com', {
      thresholds: { tag: 1, greylist: 0.5 },
      greylisting: { enabled: false },
    });
    const res = await request(filter.server)
      .post('/v1/scan')
      .set(
        envelope({
          [SCAN_HEADERS.rcptTo]: 'bob@example.com,strict@example.com',
          [SCAN_HEADERS.helo]: 'localhost',
        }),
      )
      .send(HAM)
      .expect(200);
    const v = res.body as ScanVerdict;
    expect(v.recipients.map((r) => [r.recipient, r.action])).toEqual([
      ['bob@example.com', 'accept'],
      ['strict@example.com', 'tag'],
    ]);
    expect(v.recipients[1].thresholds.tag).toBe(1);
  });

  it('skips an invalid stored layer, falls back to the layers below and says why', async () => {
    policies.setUser('broken@example.com', { thresholds: { tag: 1 } });
    const res = await request(filter.server)
      .post('/v1/scan')
      .set(envelope({ [SCAN_HEADERS.rcptTo]: 'broken@example.com' }))
      .send(HAM)
      .expect(200);
    const r = (res.body as ScanVerdict).recipients[0];
    expect(r.thresholds.tag).toBe(2.5);
    expect(r.reason).toMatch(
      /stored policy ignored: invalid policy .*greylist \(2.5\) must not be above tag \(1\)/,
    );
  });

  it('greylists the undecided band once, and a retry after the delay passes', async () => {
    policies.setUser('grey@example.com', { weights: { HELO_NOT_FQDN: 4.5 } });
    const env = envelope({ [SCAN_HEADERS.rcptTo]: 'grey@example.com', [SCAN_HEADERS.helo]: 'localhost' });
    const first = (await request(filter.server).post('/v1/scan').set(env).send(HAM).expect(200))
      .body as ScanVerdict;
    expect(first.action).toBe('greylist');
    expect(first.smtp).toMatchObject({ code: 451, enhanced: '4.7.1' });
    expect(first.recipients[0].symbols.find((s) => s.name === 'GREYLIST')?.options).toEqual(['new']);
    const early = (await request(filter.server).post('/v1/scan').set(env).send(HAM).expect(200))
      .body as ScanVerdict;
    expect(early.recipients[0].symbols.find((s) => s.name === 'GREYLIST')?.options).toEqual(['early']);
  });

  it.each([
    [{ [SCAN_HEADERS.clientIp]: '300.1.1.1' }, /x-client-ip is not an IP/],
    [{ [SCAN_HEADERS.clientIp]: '' }, /x-client-ip is required/],
    [{ [SCAN_HEADERS.rcptTo]: '' }, /at least one recipient/],
    [{ [SCAN_HEADERS.rcptTo]: 'a@b.test, x y' }, /invalid address/],
    [{ [SCAN_HEADERS.direction]: 'sideways' }, /inbound or outbound/],
    [{ [SCAN_HEADERS.helo]: 'mail.example.org\tX-Injected: 1' }, /control character/],
  ])('refuses a bad envelope %o with 400 and a reason', async (over, reason) => {
    const res = await request(filter.server).post('/v1/scan').set(envelope(over)).send(HAM).expect(400);
    expect(res.body.reason).toMatch(reason);
  });

  it.each([
    [{ [SCAN_HEADERS.helo]: 'bad!helo' }, 'HELO_INVALID'],
    [{ [SCAN_HEADERS.helo]: 'a..b' }, 'HELO_INVALID'],
    [{ [SCAN_HEADERS.helo]: '[1.2.3.4' }, 'HELO_INVALID'],
    [{ [SCAN_HEADERS.helo]: 'x'.repeat(300) }, 'HELO_INVALID'],
    [{ [SCAN_HEADERS.helo]: '%C3%BC.example.com' }, 'HELO_INVALID'],
    [{ [SCAN_HEADERS.helo]: '' }, 'HELO_INVALID'],
    [{ [SCAN_HEADERS.mailFrom]: '@example.net' }, 'MAIL_FROM_INVALID'],
    [{ [SCAN_HEADERS.mailFrom]: 'Macro Error@example.com' }, 'MAIL_FROM_INVALID'],
  ])(
    'scores an odd envelope %o with a symbol (never a 400: that would skip the scan)',
    async (over, symbol) => {
      const v = (await request(filter.server).post('/v1/scan').set(envelope(over)).send(HAM).expect(200))
        .body as ScanVerdict;
      expect(v.symbols.map((s) => s.name)).toContain(symbol);
      expect(v.delivery.outcome).toBe('deliver');
    },
  );

  it('refuses a bare CR in the message with 550 5.6.0 and a reference, whatever the score (SMTP smuggling)', async () => {
    const smuggled = `${HAM}\r.\rMAIL FROM:<x@y.example>\r\n`;
    const v = (await request(filter.server).post('/v1/scan').set(envelope({})).send(smuggled).expect(200))
      .body as ScanVerdict;
    expect(v.delivery).toEqual({ outcome: 'refuse', copies: [] });
    expect(v.smtp).toMatchObject({ code: 550, enhanced: '5.6.0' });
    expect(v.smtp.message).toContain(v.reference);
    expect(v.symbols.map((s) => s.name)).toContain('SMTP_BAD_FRAMING');
  });

  it('refuses CR/LF injection that reaches the server raw', async () => {
    // supertest refuses to send CR/LF in a header; node's parser does too — the server must still never 500.
    const net = await import('node:net');
    const url = await filter.listen(0, '127.0.0.1');
    const port = Number(new URL(url).port);
    const answer = await new Promise<string>((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.write(
          `POST /v1/scan HTTP/1.1\r\nHost: x\r\nx-client-ip: 192.0.2.1\r\nx-helo: a.b\rX-Evil: 1\r\nContent-Length: 2\r\n\r\nhi`,
        );
      });
      let data = '';
      sock.on('data', (d) => (data += d.toString()));
      sock.on('close', () => resolve(data));
      sock.setTimeout(3000, () => sock.destroy());
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
  });

  it('accepts 1,000 recipients and refuses 1,001', async () => {
    const rcpts = Array.from({ length: 1000 }, (_, i) => `user${i}@example.com`);
    const ok = await request(filter.server)
      .post('/v1/scan')
      .set(envelope({ [SCAN_HEADERS.rcptTo]: rcpts.join(',') }))
      .send(HAM)
      .expect(200);
    expect((ok.body as ScanVerdict).recipients).toHaveLength(1000);
    const tooMany = await request(filter.server)
      .post('/v1/scan')
      .set(envelope({ [SCAN_HEADERS.rcptTo]: [...rcpts, 'one.more@example.com'].join(',') }))
      .send(HAM)
      .expect(400);
    expect(tooMany.body.reason).toMatch(/1001 recipients, at most 1000/);
  });

  it('refuses a body over the limit with 413, declared or streamed', async () => {
    const big = 'X'.repeat(5000);
    const res = await request(filter.server)
      .post('/v1/scan')
      .set(envelope())
      .send(`Subject: big\r\n\r\n${big}`)
      .expect(413);
    expect(res.body.reason).toMatch(/exceeds the limit of 4096 bytes/);
  });

  it('gives a verdict, not an error, for garbage, truncated and 8-bit input', async () => {
    for (const body of [
      Buffer.from([0, 1, 2, 255, 254, 13, 10, 13]),
      Buffer.from(
        'From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n<a href=',
      ),
      Buffer.from(
        'Subject: caf\xe9 \xff\xfe\r\nFrom: \xc3\xa9l\xc3\xa8ve <e@x.test>\r\n\r\nbody\xff',
        'latin1',
      ),
    ]) {
      const res = await request(filter.server).post('/v1/scan').set(envelope()).send(body).expect(200);
      expect((res.body as ScanVerdict).reference).toMatch(REFERENCE_ID_PATTERN);
    }
    await request(filter.server).post('/v1/scan').set(envelope()).send('').expect(400);
  });

  it('GET /health shows each dependency, GET /metrics counts scans', async () => {
    const h = await request(filter.server).get('/health').expect(200);
    expect(h.body.dependencies.dns.state).toBe('off');
    // No database in this app: no message log sink, which is healthy by definition.
    expect(h.body.dependencies.messageLog).toMatchObject({ state: 'up', healthy: true });
    // The default SCAN_THREADS=1: one analysis thread, up (scans made before it started were analysed inline).
    expect(h.body.dependencies.analysis).toMatchObject({
      state: 'up',
      threads: 1,
      gaveUp: false,
      restarts: 0,
    });
    const m = await request(filter.server).get('/metrics').expect(200);
    expect(m.text).toMatch(/spamfilter_scans_total\{action="tag",direction="inbound"\} [1-9]/);
    expect(m.text).toMatch(/spamfilter_scan_rejected_total\{status="413"\} 1/);
  });
});

describe('POST /v1/scan parses within the MAIL_PARSE_* limits', () => {
  let filter: FilterApp;

  beforeAll(async () => {
    filter = await createFilterApp(loadConfig({ MAIL_PARSE_MAX_PARTS: '1' }), {
      policies: new InMemoryPolicySource(),
    });
  });
  afterAll(() => filter.close());

  it('walks no more MIME parts than configured, so the parts past the limit raise nothing', async () => {
    // SPAMMY's HTML part and its .pdf.exe attachment are the 2nd and 3rd parts: with one part allowed, neither is read.
    const res = await request(filter.server).post('/v1/scan').set(envelope()).send(SPAMMY).expect(200);
    const names = (res.body as ScanVerdict).symbols.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['MISSING_SUBJECT', 'REPLYTO_DIFF_FROM']));
    expect(names).not.toContain('DOUBLE_EXTENSION_ATTACHMENT');
    expect(names).not.toContain('MIME_HTML_ONLY');
    expect(names).not.toContain('MARKETING_PHRASE');
  });
});

describe('POST /v1/recipient (pre-DATA)', () => {
  let filter: FilterApp;
  const lists = new InMemoryListSource([
    { scope: 'user', owner: 'bob@example.com', kind: 'block', match: 'address', value: 'pest@spam.example' },
    { scope: 'global', owner: null, kind: 'block', match: 'ip', value: '198.51.100.66' },
  ]);
  beforeAll(async () => {
    filter = await createFilterApp(loadConfig({}), { lists });
  });
  afterAll(() => filter.close());

  it('rejects a sender on the recipient’s block list, for that recipient only', async () => {
    const bob = await request(filter.server)
      .post('/v1/recipient')
      .set(
        envelope({ [SCAN_HEADERS.mailFrom]: 'pest@spam.example', [SCAN_HEADERS.rcptTo]: 'bob@example.com' }),
      )
      .expect(200);
    expect(bob.body).toMatchObject({ action: 'reject', smtp: { code: 550, enhanced: '5.7.1' } });
    expect(bob.body.reason).toMatch(/USER_BLOCK/);
    const ann = await request(filter.server)
      .post('/v1/recipient')
      .set(
        envelope({ [SCAN_HEADERS.mailFrom]: 'pest@spam.example', [SCAN_HEADERS.rcptTo]: 'ann@example.com' }),
      )
      .expect(200);
    expect(ann.body).toMatchObject({ action: 'accept', smtp: { code: 250 }, greylist: 'new' });
  });

  it('rejects a block-listed client IP and takes exactly one recipient', async () => {
    const r = await request(filter.server)
      .post('/v1/recipient')
      .set(envelope({ [SCAN_HEADERS.clientIp]: '198.51.100.66' }))
      .expect(200);
    expect(r.body.action).toBe('reject');
    await request(filter.server)
      .post('/v1/recipient')
      .set(envelope({ [SCAN_HEADERS.rcptTo]: 'a@x.test,b@x.test' }))
      .expect(400);
  });
});
