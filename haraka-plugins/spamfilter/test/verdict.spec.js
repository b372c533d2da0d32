'use strict';
const { parseScanVerdict, parseRecipientAnswer } = require('../lib/verdict');
const { verdict } = require('./helpers');

describe('parseScanVerdict', () => {
  it('accepts a well-formed verdict and keeps what the plugin needs', () => {
    const v = verdict({ 'bob@example.net': 'tag' });
    const parsed = parseScanVerdict(JSON.stringify(v));
    expect(parsed.ok).toBe(true);
    expect(parsed.verdict.action).toBe('tag');
    expect(parsed.verdict.recipients[0]).toMatchObject({
      recipient: 'bob@example.net',
      action: 'tag',
      score: 7.5,
    });
    expect(parsed.verdict.headers).toEqual(v.headers);
  });

  const good = verdict({ 'bob@example.net': 'reject' });
  it.each([
    ['not JSON', '<html>502 Bad Gateway</html>', /not JSON/],
    ['an array', '[]', /not an object/],
    ['an unknown action', JSON.stringify({ ...good, action: 'discard' }), /valid action/],
    ['no reference', JSON.stringify({ ...good, reference: '' }), /reference/],
    ['no recipients', JSON.stringify({ ...good, recipients: [] }), /recipients/],
    [
      'a recipient with an unknown action',
      JSON.stringify({ ...good, recipients: [{ ...good.recipients[0], action: 'nope' }] }),
      /malformed recipient/,
    ],
    [
      'a recipient with a bad smtp reply',
      JSON.stringify({ ...good, recipients: [{ ...good.recipients[0], smtp: { code: 'x' } }] }),
      /smtp/,
    ],
    [
      'a bad top-level smtp reply',
      JSON.stringify({ ...good, smtp: { code: 550, enhanced: '5.7', message: 'x' } }),
      /smtp/,
    ],
    [
      'a header injection attempt',
      JSON.stringify({ ...good, headers: [['X-A\r\nBcc', 'x']] }),
      /invalid header name/,
    ],
    ['a malformed header', JSON.stringify({ ...good, headers: [['X-A']] }), /malformed header/],
    [
      'malformed recipient headers',
      JSON.stringify({ ...good, recipients: [{ ...good.recipients[0], headers: 'X-A: 1' }] }),
      /malformed headers/,
    ],
  ])('refuses %s', (_name, body, error) => {
    const parsed = parseScanVerdict(body);
    expect(parsed.ok).toBe(false);
    expect(parsed.error).toMatch(error);
  });

  it('flattens header values and reply texts to one line', () => {
    const v = { ...good, headers: [['X-Spam-Score', '7.5\r\nBcc: victim@example.net']] };
    const parsed = parseScanVerdict(JSON.stringify(v));
    expect(parsed.ok).toBe(true);
    expect(parsed.verdict.headers[0][1]).toBe('7.5 Bcc: victim@example.net');
  });
});

describe('parseRecipientAnswer', () => {
  it('accepts { action, smtp, reason }', () => {
    const parsed = parseRecipientAnswer(
      JSON.stringify({
        action: 'reject',
        smtp: { code: 550, enhanced: '5.7.1', message: 'Blocked by recipient' },
        reason: 'user block list',
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      answer: {
        action: 'reject',
        smtp: { code: 550, enhanced: '5.7.1', message: 'Blocked by recipient' },
        reason: 'user block list',
        hosted: null,
        mailbox: null,
        hosting: null,
      },
    });
  });
  it('refuses garbage', () => {
    expect(parseRecipientAnswer('{"action":"accept"}').ok).toBe(false);
    expect(parseRecipientAnswer('garbage').ok).toBe(false);
  });
});
