'use strict';
const { decideScan, decideUnscanned, decideRecipient, decideConnect } = require('../lib/outcome');
const { parseScanVerdict } = require('../lib/verdict');
const { verdict } = require('./helpers');

const REF = '01JD0000000000000000000000';
const scan = (actions, direction = 'inbound', opts) => {
  const parsed = parseScanVerdict(JSON.stringify(verdict(actions, opts)));
  if (!parsed.ok) throw new Error(parsed.error);
  return decideScan({ verdict: parsed.verdict, recipients: Object.keys(actions), direction });
};
const header = (outcome, name) => outcome.headers.filter(([k]) => k === name).map(([, v]) => v);

describe('decideScan, one recipient', () => {
  it('accept: delivers with X-Spam-Status No and the reference', () => {
    const out = scan({ 'bob@example.net': 'accept' });
    expect(out.kind).toBe('deliver');
    expect(header(out, 'X-Spam-Status')).toEqual(['No, score=7.50']);
    expect(header(out, 'X-Spam-Reference')).toEqual([REF]);
    expect(header(out, 'X-Spam-Status-For')).toEqual([]);
  });

  it('tag: delivers with the filter’s headers and X-Spam-Status Yes', () => {
    const out = scan({ 'bob@example.net': 'tag' });
    expect(out.kind).toBe('deliver');
    expect(header(out, 'X-Spam-Status')).toEqual(['Yes, score=7.50']);
    expect(header(out, 'X-Spam-Score')).toEqual(['7.5']);
  });

  it('keeps the filter’s own X-Spam-Status when the outcome is the filter’s', () => {
    const out = scan({ 'bob@example.net': 'tag' }, 'inbound', {
      headers: [['X-Spam-Status', 'Yes, score=9 required=5']],
    });
    expect(header(out, 'X-Spam-Status')).toEqual(['Yes, score=9 required=5']);
  });

  it('one recipient: their own headers (by their thresholds) replace the message’s of the same name', () => {
    const v = verdict(
      { 'bob@example.net': 'tag' },
      {
        headers: [
          ['X-Spam-Status', 'Yes, score=7.50 action=tag'],
          ['X-Spam-Score', '7.50'],
        ],
      },
    );
    v.recipients[0].headers = [
      ['X-Spam-Status', 'Yes, score=7.50 required=5.00'],
      ['X-Spam-Flag', 'YES'],
    ];
    const out = decideScan({
      verdict: parseScanVerdict(JSON.stringify(v)).verdict,
      recipients: ['bob@example.net'],
      direction: 'inbound',
    });
    expect(header(out, 'X-Spam-Status')).toEqual(['Yes, score=7.50 required=5.00']);
    expect(header(out, 'X-Spam-Flag')).toEqual(['YES']);
    expect(header(out, 'X-Spam-Score')).toEqual(['7.50']);
  });

  it('greylist: 451 4.7.1', () => {
    const out = scan({ 'bob@example.net': 'greylist' });
    expect(out.kind).toBe('tempfail');
    expect(out.reply).toMatchObject({ code: 451, enhanced: '4.7.1', retval: 'DENYSOFT' });
  });

  it('reject: 550 5.7.1 with the reference in the text', () => {
    const out = scan({ 'bob@example.net': 'reject' });
    expect(out.kind).toBe('refuse');
    expect(out.reply).toMatchObject({ code: 550, enhanced: '5.7.1', retval: 'DENY' });
    expect(out.reply.message).toContain(REF);
  });

  it('adds the reference to a refusal text that lacks it', () => {
    const v = verdict({ 'bob@example.net': 'reject' });
    v.recipients[0].smtp.message = 'Spam';
    const out = decideScan({
      verdict: parseScanVerdict(JSON.stringify(v)).verdict,
      recipients: ['bob@example.net'],
      direction: 'inbound',
    });
    expect(out.reply.message).toBe(`Spam (ref ${REF})`);
  });

  it('replaces a reply of the wrong class (a 250 for a reject) by the canonical one', () => {
    const v = verdict({ 'bob@example.net': 'reject' });
    v.recipients[0].smtp = { code: 250, enhanced: '2.0.0', message: 'OK' };
    const out = decideScan({
      verdict: parseScanVerdict(JSON.stringify(v)).verdict,
      recipients: ['bob@example.net'],
      direction: 'inbound',
    });
    expect(out.reply).toMatchObject({
      code: 550,
      enhanced: '5.7.1',
      message: `Message refused as spam (ref ${REF})`,
    });
  });

  it('a recipient missing from the verdict gets the overall (most severe) action', () => {
    const v = verdict({ 'other@example.net': 'reject' });
    const out = decideScan({
      verdict: parseScanVerdict(JSON.stringify(v)).verdict,
      recipients: ['bob@example.net'],
      direction: 'inbound',
    });
    expect(out.kind).toBe('refuse');
  });
});

describe('decideScan, several recipients inbound', () => {
  it('accept + tag: delivers once, each recipient with their own header', () => {
    const out = scan({ 'a@example.net': 'accept', 'b@example.net': 'tag' });
    expect(out.kind).toBe('deliver');
    expect(header(out, 'X-Spam-Status-For')).toEqual([
      `a@example.net; status=No; action=accept; score=7.50; ref=${REF}`,
      `b@example.net; status=Yes; action=tag; score=7.50; ref=${REF}`,
    ]);
    expect(header(out, 'X-Spam-Status')).toEqual(['Mixed, score=7.50']);
  });

  it('drops the filter’s whole-message X-Spam-Status and X-Spam-Flag when recipients differ', () => {
    const out = scan({ 'a@example.net': 'accept', 'b@example.net': 'tag' }, 'inbound', {
      headers: [
        ['X-Spam-Status', 'Yes'],
        ['X-Spam-Flag', 'YES'],
        ['X-Spam-Score', '7.5'],
      ],
    });
    expect(header(out, 'X-Spam-Status')).toEqual(['Mixed, score=7.50']);
    expect(header(out, 'X-Spam-Flag')).toEqual([]);
    expect(header(out, 'X-Spam-Score')).toEqual(['7.5']);
  });

  it('tag + reject: everyone gets it tagged, so the message is flagged', () => {
    const out = scan({ 'a@example.net': 'tag', 'b@example.net': 'reject' });
    expect(header(out, 'X-Spam-Status')).toEqual(['Yes, score=7.50']);
    expect(header(out, 'X-Spam-Flag')).toEqual(['YES']);
  });

  it('accept + reject: never refuses the accepted recipient; the rejecting one is tagged', () => {
    const out = scan({ 'a@example.net': 'accept', 'b@example.net': 'reject' });
    expect(out.kind).toBe('deliver');
    expect(out.rows.map((r) => r.effective)).toEqual(['accept', 'tag']);
    expect(header(out, 'X-Spam-Status-For')[1]).toBe(
      `b@example.net; status=Yes; action=tag; wanted=reject; score=7.50; ref=${REF}`,
    );
  });

  it('tag + greylist: delivers; the greylisted recipient gets it untagged', () => {
    const out = scan({ 'a@example.net': 'tag', 'b@example.net': 'greylist' });
    expect(out.kind).toBe('deliver');
    expect(out.rows.map((r) => r.effective)).toEqual(['tag', 'accept']);
  });

  it('greylist + reject: 451 for the message (nothing is lost; the retry decides)', () => {
    const out = scan({ 'a@example.net': 'greylist', 'b@example.net': 'reject' });
    expect(out.kind).toBe('tempfail');
    expect(out.reply).toMatchObject({ code: 451, enhanced: '4.7.1' });
  });

  it('every recipient rejects: 550', () => {
    const out = scan({ 'a@example.net': 'reject', 'b@example.net': 'reject' });
    expect(out.kind).toBe('refuse');
    expect(out.reply.code).toBe(550);
  });

  it('same verdict for all: the filter’s headers plus one line per recipient', () => {
    const out = scan({ 'a@example.net': 'tag', 'b@example.net': 'tag' });
    expect(header(out, 'X-Spam-Status')).toEqual(['Yes, score=7.50']);
    expect(header(out, 'X-Spam-Status-For')).toHaveLength(2);
  });
});

describe('decideScan, outbound', () => {
  it('applies the most severe action to the whole message', () => {
    expect(scan({ 'a@x.example': 'accept', 'b@y.example': 'block' }, 'outbound').reply).toMatchObject({
      code: 550,
      enhanced: '5.7.1',
    });
  });
  it('defer: 421 4.7.0 and disconnect', () => {
    const out = scan({ 'a@x.example': 'defer' }, 'outbound');
    expect(out.kind).toBe('tempfail');
    expect(out.reply).toMatchObject({ code: 421, enhanced: '4.7.0', retval: 'DENYSOFTDISCONNECT' });
  });
  it('hold: accepted, marked for quarantine', () => {
    const out = scan({ 'a@x.example': 'hold' }, 'outbound');
    expect(out.kind).toBe('deliver');
    expect(out.quarantine).toBe(true);
    expect(header(out, 'X-Spam-Hold')).toEqual([REF]);
  });
});

describe('decideUnscanned', () => {
  it('fail_open=true: deliver with X-Spam-Status: unscanned', () => {
    expect(decideUnscanned({ failOpen: true })).toMatchObject({
      kind: 'deliver',
      headers: [['X-Spam-Status', 'unscanned']],
    });
  });
  it('fail_open=false: 451 4.3.0', () => {
    expect(decideUnscanned({ failOpen: false })).toMatchObject({
      kind: 'tempfail',
      reply: { code: 451, enhanced: '4.3.0', retval: 'DENYSOFT' },
    });
  });
  it('a skip rule always delivers', () => {
    expect(decideUnscanned({ failOpen: false, skipped: true }).kind).toBe('deliver');
  });
});

describe('decideRecipient and decideConnect', () => {
  const answer = (action, smtp) => ({
    action,
    smtp: smtp || { code: 250, enhanced: '2.0.0', message: 'OK' },
    reason: '',
  });
  it('lets accept, tag and hold through to DATA', () => {
    for (const a of ['accept', 'tag', 'hold']) expect(decideRecipient(answer(a)).kind).toBe('continue');
  });
  it('refuses the recipient with 550 5.7.1 and the filter’s text', () => {
    const out = decideRecipient(
      answer('reject', {
        code: 550,
        enhanced: '5.7.1',
        message: 'Sender is on the recipient’s block list (ref R1)',
      }),
    );
    expect(out).toMatchObject({
      kind: 'refuse',
      reply: {
        code: 550,
        enhanced: '5.7.1',
        retval: 'DENY',
        message: 'Sender is on the recipient’s block list (ref R1)',
      },
    });
  });
  it('greylists the recipient with 451 4.7.1', () => {
    expect(decideRecipient(answer('greylist')).reply).toMatchObject({
      code: 451,
      enhanced: '4.7.1',
      retval: 'DENYSOFT',
    });
  });
  it('at connect refuses a block-listed IP with 554 and disconnects, and ignores anything else', () => {
    expect(
      decideConnect(answer('reject', { code: 550, enhanced: '5.7.1', message: 'IP block-listed' })),
    ).toMatchObject({ kind: 'refuse', reply: { code: 554, retval: 'DENYDISCONNECT' } });
    expect(decideConnect(answer('greylist')).kind).toBe('continue');
  });
});
