import { parseMessageSafe } from '@spamfilter/mail';
import { tokenize } from '@spamfilter/bayes';
import { displayName, neutralizeHeaders, splitHeader } from './neutral-headers';

const RAW = Buffer.from(
  [
    'From sender@example.org  Thu Aug 22 12:00:00 2002',
    'Return-Path: <bounce@lists.example.org>',
    'Received: from mx.example.org (mx.example.org [192.0.2.1])',
    '\tby spamassassin.example with ESMTP id 1234',
    'X-Mailer: Collector 1.0',
    'From: "Jane Doe" <jane@example.org>',
    'To: list@lists.example.org',
    'Subject: Cheap meds,',
    '  today only',
    'Date: Thu, 22 Aug 2002 12:00:00 +0100',
    'Message-Id: <abc@example.org>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain;',
    '\tcharset="iso-8859-1"',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Body line one\xe9',
    'Received: in the body stays',
    '',
  ].join('\r\n'),
  'latin1',
);

describe('neutralizeHeaders', () => {
  const out = neutralizeHeaders(RAW);
  const text = out.toString('latin1');
  const [head, body] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)];

  it('keeps Subject and the content headers with their folding, and the From display name only', () => {
    expect(head.split('\r\n')).toEqual([
      'From: Jane Doe <sender@neutral.example>',
      'To: <user@customer.example>',
      'Date: Thu, 01 Oct 2026 12:00:00 +0000',
      `Message-ID: <${head.match(/Message-ID: <([0-9a-f]{20})@/)?.[1]}@neutral.example>`,
      'Subject: Cheap meds,',
      '  today only',
      'MIME-Version: 1.0',
      'Content-Type: text/plain;',
      '\tcharset="iso-8859-1"',
      'Content-Transfer-Encoding: 8bit',
    ]);
    expect(head).not.toMatch(/Received|Return-Path|X-Mailer|example\.org|2002/);
  });

  it('leaves the body byte for byte', () => {
    expect(body).toBe('Body line one\xe9\r\nReceived: in the body stays\r\n');
    expect(out.subarray(out.length - 30).equals(RAW.subarray(RAW.length - 30))).toBe(true);
  });

  it('gives our neutral tokenizer the same tokens as the original', () => {
    const before = [...tokenize(parseMessageSafe(RAW)).names].sort();
    const after = [...tokenize(parseMessageSafe(out)).names].sort();
    expect(after).toEqual(before);
    expect(after).toEqual(
      expect.arrayContaining(['s:cheap', 'f:jane', 'ct:content-type:text/plain', 'ct:charset:iso-8859-1']),
    );
  });

  it('is deterministic, and differs per message only in the Message-ID', () => {
    expect(neutralizeHeaders(RAW).equals(out)).toBe(true);
    const other = neutralizeHeaders(Buffer.from('Subject: hi\n\nbody\n'));
    expect(other.toString('latin1')).toMatch(
      /^From: <sender@neutral\.example>\nTo: <user@customer\.example>\nDate: [^\n]+\nMessage-ID: <[0-9a-f]{20}@neutral\.example>\nSubject: hi\n\nbody\n$/,
    );
  });

  it('handles a message with no body', () => {
    expect(neutralizeHeaders(Buffer.from('Subject: only a header')).toString()).toMatch(
      /\nSubject: only a header\n\n$/,
    );
  });
});

describe('displayName / splitHeader', () => {
  it('reads the display name of the usual From forms', () => {
    expect(displayName(' "Doe, Jane" <jane@example.org>')).toBe('Doe, Jane');
    expect(displayName(' Jane Doe <jane@example.org>')).toBe('Jane Doe');
    expect(displayName(' jane@example.org (Jane Doe)')).toBe('Jane Doe');
    expect(displayName(' jane@example.org')).toBe('');
    expect(displayName(' =?utf-8?q?J=C3=A4ne?= <j@example.org>')).toBe('=?utf-8?q?J=C3=A4ne?=');
  });

  it('splits fields, skips an mbox From_ line and finds the body after a bare-LF blank line', () => {
    const { fields, body, eol } = splitHeader(Buffer.from('From x@y Thu\nA: 1\n b\nB: 2\n\nbody'));
    expect(fields).toEqual([
      { name: 'a', raw: 'A: 1\n b' },
      { name: 'b', raw: 'B: 2' },
    ]);
    expect(body.toString()).toBe('body');
    expect(eol).toBe('\n');
  });
});
