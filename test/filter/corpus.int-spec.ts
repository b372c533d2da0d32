import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@spamfilter/config';
import { SCAN_HEADERS, type Action, type ScanVerdict } from '@spamfilter/domain';
import request from 'supertest';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { InMemoryPolicySource } from '../../apps/filter/src/services/policy.service';

/**
 * Corpus tests (rspamd's functional-test style): each case is an .eml written by this test into a temporary folder,
 * read back as bytes and scanned over HTTP; the expected symbols and action are part of the case. Greylisting is off
 * here (it is exercised elsewhere): these assert the score → action mapping of the default policy.
 */
interface Case {
  readonly file: string;
  readonly eml: string;
  readonly envelope?: Record<string, string>;
  readonly symbols: readonly string[];
  readonly absent?: readonly string[];
  readonly action: Action;
}

const crlf = (lines: string[]): string => lines.join('\r\n');
const CASES: readonly Case[] = [
  {
    file: 'plain-ham.eml',
    eml: crlf([
      'From: Ann <ann@friends.example>',
      'To: bob@hosted.example',
      'Subject: Saturday',
      'Content-Type: text/plain',
      '',
      'Dinner at ours on Saturday? Ann',
      '',
    ]),
    symbols: [],
    absent: ['MISSING_SUBJECT', 'MIME_HTML_ONLY', 'REPLYTO_DIFF_FROM'],
    action: 'accept',
  },
  {
    file: 'phish-html-only.eml',
    eml: crlf([
      'From: Security Team <security@bank-alerts.example>',
      'Reply-To: verify@collector.example.ru',
      'To: bob@hosted.example',
      'Subject: Your account is locked - act now',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Act now: <a href="http://login.collector.example.ru/">https://www.mybank.example/login</a></p>',
      '<p>================</p><p>****************</p>',
      '',
    ]),
    symbols: [
      'URL_TEXT_HOST_MISMATCH',
      'REPLYTO_DIFF_FROM',
      'MIME_HTML_ONLY',
      'MARKETING_PHRASE',
      'REPEATED_CHAR_SEPARATOR',
    ],
    action: 'tag',
  },
  {
    file: 'malware-no-subject.eml',
    eml: crlf([
      'From: accounts@supplier.example',
      'To: bob@hosted.example',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="zz"',
      '',
      '--zz',
      'Content-Type: text/plain',
      '',
      'Invoice attached.',
      '--zz',
      'Content-Type: application/octet-stream',
      'Content-Disposition: attachment; filename="INV-2291.pdf.exe"',
      'Content-Transfer-Encoding: base64',
      '',
      'TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA',
      '--zz',
      'Content-Type: application/x-msdownload',
      'Content-Disposition: attachment; filename="setup.scr"',
      'Content-Transfer-Encoding: base64',
      '',
      'TVqQAAMAAAAEAAAA',
      '--zz--',
      '',
    ]),
    symbols: ['MISSING_SUBJECT', 'DOUBLE_EXTENSION_ATTACHMENT', 'EXECUTABLE_ATTACHMENT'],
    // A disguised executable (.pdf.exe) beside a screensaver executable, no subject: blatant enough to refuse.
    action: 'reject',
  },
  {
    file: 'bare-helo-literal.eml',
    eml: crlf(['From: x@y.example', 'To: bob@hosted.example', 'Subject: hi', '', 'short', '']),
    envelope: { [SCAN_HEADERS.helo]: '[192.0.2.9]' },
    symbols: ['HELO_IP_LITERAL'],
    action: 'accept',
  },
  {
    file: 'broken-mime.eml',
    eml: crlf([
      'From: x@y.example',
      'To: bob@hosted.example',
      'Subject: =?utf-8?B?w6l0w6k=?=',
      'Content-Type: multipart/alternative; boundary="never-closed"',
      '',
      '--never-closed',
      'Content-Type: text/plain',
      '',
      'text without end',
    ]),
    symbols: [],
    action: 'accept',
  },
];

describe('corpus: .eml in, symbols and action out', () => {
  let filter: FilterApp;
  const dir = mkdtempSync(join(tmpdir(), 'sf-corpus-'));

  beforeAll(async () => {
    for (const c of CASES) writeFileSync(join(dir, c.file), c.eml, 'latin1');
    const policies = new InMemoryPolicySource();
    policies.setGlobal({ greylisting: { enabled: false } });
    filter = await createFilterApp(loadConfig({}), { policies });
  });
  afterAll(() => filter.close());

  const scanFile = async (path: string, envelope: Record<string, string> = {}): Promise<ScanVerdict> =>
    (
      await request(filter.server)
        .post('/v1/scan')
        .set({
          [SCAN_HEADERS.clientIp]: '192.0.2.9',
          [SCAN_HEADERS.helo]: 'mail.sender.example',
          [SCAN_HEADERS.mailFrom]: 'x@sender.example',
          [SCAN_HEADERS.rcptTo]: 'bob@hosted.example',
          'content-type': 'message/rfc822',
          ...envelope,
        })
        .send(readFileSync(path))
        .expect(200)
    ).body as ScanVerdict;

  it.each(CASES.map((c) => [c.file, c] as const))('%s', async (_file, c) => {
    const v = await scanFile(join(dir, c.file), c.envelope);
    const names = [...v.symbols, ...v.recipients.flatMap((r) => r.symbols)].map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining([...c.symbols]));
    for (const a of c.absent ?? []) expect(names).not.toContain(a);
    expect(v.action).toBe(c.action);
    // the explanation names the strongest symbol when mail is tagged
    if (c.action === 'tag') expect(v.reason).toMatch(new RegExp(c.symbols.join('|')));
  });

  // The SpamAssassin corpus, when unpacked (.cache/corpus/sa-dev): every message gets a verdict, none a 4xx/5xx.
  const sa = join(__dirname, '../../.cache/corpus/sa-dev');
  const hasSa = (() => {
    try {
      return readdirSync(sa).includes('index');
    } catch {
      return false;
    }
  })();
  (hasSa ? it : it.skip)('answers every one of 300 sa-dev messages with a verdict', async () => {
    const lines = readFileSync(join(sa, 'index'), 'utf8').trim().split('\n');
    const pick = lines.filter((_, i) => i % Math.ceil(lines.length / 300) === 0);
    let spamTagged = 0;
    let spam = 0;
    let hamTagged = 0;
    let ham = 0;
    let spamScore = 0;
    let hamScore = 0;
    for (const line of pick) {
      const [label, path] = line.split(/\s+/);
      const v = await scanFile(join(sa, path));
      expect(['accept', 'tag', 'reject']).toContain(v.action);
      if (label === 'spam') {
        spam++;
        spamScore += v.score;
        if (v.action !== 'accept') spamTagged++;
      } else {
        ham++;
        hamScore += v.score;
        if (v.action !== 'accept') hamTagged++;
      }
    }
    // Without Bayes training or network checks only the content heuristics speak: alone they tag (almost) nothing —
    // no weak heuristic (weight below the tag threshold, 2.5) tags on its own — but they score spam higher than ham.
    expect(spam).toBeGreaterThan(10);
    expect(hamTagged / ham).toBeLessThan(0.02);
    expect(spamScore / spam).toBeGreaterThan(hamScore / ham + 0.3);
    expect(spamTagged).toBeLessThan(spam);
  });
});
