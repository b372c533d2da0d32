'use strict';
const {
  decideScan,
  decideUnscanned,
  decideBadInput,
  decideTooBig,
  decideUnauthorized,
  decideRecipient,
  decideConnect,
} = require('../lib/outcome');
const { parseScanVerdict } = require('../lib/verdict');
const { verdict } = require('./helpers');

const REF = '01JD0000000000000000000000';
const scan = (actions, direction = 'inbound', opts = {}) => {
  const parsed = parseScanVerdict(JSON.stringify(verdict(actions, { ...opts, direction })));
  if (!parsed.ok) throw new Error(parsed.error);
  return decideScan({ verdict: parsed.verdict, recipients: Object.keys(actions) });
};
const header = (copy, name) => copy.headers.filter(([k]) => k === name).map(([, v]) => v);
const decide = (v, recipients) =>
  decideScan({ verdict: parseScanVerdict(JSON.stringify(v)).verdict, recipients });

describe('decideScan, one recipient', () => {
  it('accept: one copy with the filter’s headers, nobody quarantined', () => {
    const out = scan({ 'bob@example.net': 'accept' });
    expect(out.kind).toBe('deliver');
    expect(out.copies).toHaveLength(1);
    expect(out.copies[0].recipients).toEqual(['bob@example.net']);
    expect(header(out.copies[0], 'X-Spam-Reference')).toEqual([REF]);
    expect(header(out.copies[0], 'X-Spam-Status')).toEqual(['No, score=7.50 action=accept']);
    expect(out.kept).toEqual([]);
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
    v.smtp.message = 'Spam';
    expect(decide(v, ['bob@example.net']).reply.message).toBe(`Spam (ref ${REF})`);
  });

  it('replaces a reply of the wrong class (a 250 for a refusal) by the canonical one', () => {
    const v = verdict({ 'bob@example.net': 'reject' });
    v.smtp = { code: 250, enhanced: '2.0.0', message: 'OK' };
    expect(decide(v, ['bob@example.net']).reply).toMatchObject({ code: 550, enhanced: '5.7.1' });
  });

  it('an answer that leaves a recipient of the transaction out is not understood (it never decides)', () => {
    const out = decide(verdict({ 'bob@example.net': 'accept' }), ['bob@example.net', 'carol@example.net']);
    expect(out).toEqual({ kind: 'invalid', error: 'answer has no copy for 1 recipient(s)' });
  });
});

describe('decideScan, several recipients inbound', () => {
  const everyHeader = (out) => out.copies.flatMap((c) => c.headers.map(([k, v]) => `${k}: ${v}`)).join('\n');

  it('accept + tag: one copy each, each with its own status; no header names a recipient', () => {
    const out = scan({ 'bob@example.net': 'accept', 'bcc-carol@example.net': 'tag' });
    expect(out.kind).toBe('deliver');
    expect(out.copies.map((c) => c.recipients)).toEqual([['bob@example.net'], ['bcc-carol@example.net']]);
    expect(header(out.copies[0], 'X-Spam-Status')).toEqual(['No, score=7.50 action=accept']);
    expect(header(out.copies[1], 'X-Spam-Status')).toEqual(['Yes, score=7.50 action=tag']);
    expect(everyHeader(out)).not.toMatch(/bob@|carol@/);
  });

  it('accept + reject: the accepted recipient gets the message, the rejecting one is quarantined (not delivered)', () => {
    const out = scan({ 'bob@example.net': 'accept', 'dan@strict.example': 'reject' });
    expect(out.kind).toBe('deliver');
    expect(out.copies.map((c) => c.recipients)).toEqual([['bob@example.net']]);
    expect(out.kept).toEqual(['dan@strict.example']);
  });

  it('greylist + accept: 451 for the message (nothing delivered twice; the retry decides)', () => {
    expect(scan({ 'bob@example.net': 'accept', 'eve@grey.example': 'greylist' }).kind).toBe('tempfail');
  });

  it('every recipient rejects: 550', () => {
    expect(scan({ 'a@example.net': 'reject', 'b@example.net': 'reject' }).kind).toBe('refuse');
  });

  it('same verdict for all: one copy for everyone', () => {
    const out = scan({ 'a@example.net': 'tag', 'b@example.net': 'tag' });
    expect(out.copies).toHaveLength(1);
    expect(out.copies[0].recipients).toEqual(['a@example.net', 'b@example.net']);
  });
});

describe('decideScan, outbound', () => {
  it('a refusal of any recipient refuses the message', () => {
    expect(scan({ 'x@a.example': 'accept', 'y@b.example': 'block' }, 'outbound').kind).toBe('refuse');
  });

  it('defer: 421 4.7.0 and disconnect', () => {
    expect(scan({ 'x@a.example': 'defer' }, 'outbound').reply).toMatchObject({
      code: 421,
      retval: 'DENYSOFTDISCONNECT',
    });
  });

  it('hold: accepted, no copy — the filter keeps the message for review', () => {
    const out = scan({ 'x@a.example': 'hold', 'y@b.example': 'accept' }, 'outbound');
    expect(out).toMatchObject({
      kind: 'deliver',
      copies: [],
      kept: ['x@a.example', 'y@b.example'],
      held: true,
    });
  });

  it('every recipient kept in the quarantine by their policy: accepted with no copy, not held', () => {
    const v = verdict({ 'dan@example.net': 'reject' });
    const kept = {
      ...v,
      recipients: v.recipients.map((r) => ({ ...r, disposition: 'quarantined' })),
      delivery: { outcome: 'deliver', copies: [] },
    };
    expect(decideScan({ verdict: kept, recipients: ['dan@example.net'] })).toMatchObject({
      kind: 'deliver',
      copies: [],
      kept: ['dan@example.net'],
      held: false,
    });
  });

  it('deliver with no copy and nobody kept is not understood', () => {
    const v = verdict({ 'bob@example.net': 'accept' });
    expect(
      decideScan({
        verdict: { ...v, delivery: { outcome: 'deliver', copies: [] } },
        recipients: ['bob@example.net'],
      }).kind,
    ).toBe('invalid');
  });
});

describe('decideBadInput, decideTooBig, decideUnauthorized', () => {
  it('a 4xx about the input refuses the message with 550 5.6.0 and the filter’s reason', () => {
    expect(decideBadInput(400, 'x-rcpt-to has an invalid address')).toEqual({
      kind: 'refuse',
      reply: {
        code: 550,
        enhanced: '5.6.0',
        message: 'Message refused: x-rcpt-to has an invalid address',
        retval: 'DENY',
      },
    });
  });
  it('413 and max_bytes: 552 5.3.4', () => {
    expect(decideBadInput(413, 'too large').reply).toMatchObject({
      code: 552,
      enhanced: '5.3.4',
      retval: 'DENY',
    });
    expect(decideTooBig(100).reply).toMatchObject({ code: 552, enhanced: '5.3.4' });
  });
  it('our token refused: 451 4.3.0 (the sender retries), never delivered', () => {
    expect(decideUnauthorized()).toMatchObject({ kind: 'tempfail', reply: { code: 451, enhanced: '4.3.0' } });
  });
});

describe('decideUnscanned', () => {
  it('fail_open=true: deliver with X-Spam-Status: unscanned', () => {
    expect(decideUnscanned({ failOpen: true })).toMatchObject({
      kind: 'unscanned',
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
    expect(decideUnscanned({ failOpen: false, skipped: true }).kind).toBe('unscanned');
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
