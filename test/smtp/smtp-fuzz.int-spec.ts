/**
 * SMTP fuzzing through the real Haraka and the real filter (with a token, the filter up): 2,000 sessions with random
 * HELO, MAIL FROM, recipient lists (users whose policies accept, tag, reject; unknown users; foreign domains) and
 * header/body variants (forged X-Spam headers, Bcc lists, bare CR, NUL, long lines, base64, empty bodies). Counted
 * over every copy the next hop received:
 *   - copies delivered without a real verdict (no reference, or "unscanned"): must be 0 while the filter is up;
 *   - copies whose X-Spam-* headers name an envelope recipient: must be 0;
 * and per session: a copy only to recipients accepted at RCPT, each accepted recipient delivered once or quarantined
 * (when DATA got 250), nothing at all when DATA was refused. The seed is printed; FUZZ_SEED=N reproduces a run.
 */
import { loadConfig } from '@spamfilter/config';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { InMemoryListSource } from '../../apps/filter/src/checks/lists/list-source';
import { InMemoryPolicySource } from '../../apps/filter/src/services/policy.service';
import type { MemoryQuarantineStore } from '../../apps/filter/src/services/quarantine.store';
import { startSink, type Sink } from '../../haraka/sink';
import { seededRandom } from '../../bench/lib/corpus';
import { headerValues, SmtpSession, startHaraka, type HarakaHandle, waitFor } from './harness';

const SESSIONS = 2000;
const CONCURRENCY = 8;
const TOKEN = 'fuzz-token-5b1e0c';
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

const HELOS = [
  'mx.sender.example',
  'localhost',
  'bad!helo',
  'a..b',
  '[1.2.3.4',
  '[192.0.2.1]',
  'x'.repeat(300),
  'ü.example.com',
  '-',
  'mail.example.net.',
  '1.2.3.4',
];
const SENDERS = [
  '<alice@sender.example>',
  '<>',
  '<@example.net>',
  'Macro Error@example.com',
  '<spammer@blocked.example>',
  '<"quoted local"@sender.example>',
  '<a@[192.0.2.9]>',
  '<ceo@example.net>',
];
// bob: defaults; carol: tags everything; dan: rejects everything (quarantined beside others); the rest: defaults.
const RECIPIENTS = [
  'bob@example.net',
  'carol@example.net',
  'dan@example.net',
  'erin@example.net',
  'Frank@Example.NET',
  'nobody@example.net',
  'x@elsewhere.example',
];

function messageFor(
  pick: <T>(xs: readonly T[]) => T,
  chance: (p: number) => boolean,
  id: string,
  rcpts: readonly string[],
): string {
  const headers = [
    `From: ${pick(['Alice <alice@sender.example>', 'ceo@example.net', '"PayPal" <service@paypa1.example>', 'undisclosed'])}`,
    `Subject: ${pick(['minutes', 'ACT NOW!!! limited time offer', '', 'Re: invoice', '=?utf-8?b?w7xiZXI=?='])}`,
    `Message-ID: <${id}@fuzz.test>`,
  ];
  if (chance(0.5)) headers.push(`To: ${rcpts[0] ?? 'someone@example.net'}`);
  if (chance(0.3)) headers.push(`Bcc: ${rcpts.join(', ')}`);
  if (chance(0.3))
    headers.push(
      `X-Spam-Status: No, forged`,
      `X-Spam-Status-For: ${rcpts[0] ?? 'x'}; status=No`,
      'X-Spam-Reference: 01FORGED00000000000000000',
    );
  if (chance(0.2)) headers.push('Reply-To: claims@other.example.biz');
  let body = pick([
    'Hi Bob,\r\n\r\nthe minutes are below.\r\n',
    'Click here http://paypa1.example/login to verify your account now!\r\n',
    '',
    `${'y'.repeat(2000)}\r\n`,
    '.leading dot\r\n..two dots\r\n',
  ]);
  if (chance(0.2)) {
    headers.push('MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"');
    body = `--b1\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(body || 'hello').toString('base64')}\r\n--b1\r\nContent-Type: application/octet-stream; name="invoice.pdf.exe"\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b1--\r\n`;
  }
  if (chance(0.04)) body += 'tail\r.\rMAIL FROM:<x@y.example>\r\n';
  if (chance(0.03)) body += 'nul\x00byte\r\n';
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}

interface SessionLog {
  readonly id: string;
  readonly accepted: string[];
  data: number | null;
  reference: string | null;
}

describe('SMTP fuzzing: 2,000 random sessions through the real Haraka and filter', () => {
  let sink: Sink;
  let filter: FilterApp | undefined;
  let haraka: HarakaHandle;
  const policies = new InMemoryPolicySource();
  const lists = new InMemoryListSource();

  beforeAll(async () => {
    sink = await startSink({ store: 'memory' });
    lists.add({ scope: 'global', owner: null, kind: 'block', match: 'domain', value: 'blocked.example' });
    policies.setGlobal({ greylisting: { enabled: false } });
    policies.setUser('carol@example.net', { thresholds: { greylist: -200, tag: -100, reject: 100 } });
    policies.setUser('dan@example.net', { thresholds: { greylist: -300, tag: -200, reject: -100 } });
    filter = await createFilterApp(loadConfig({ FILTER_API_TOKEN: TOKEN }), {
      lists,
      policies,
      scanLog: null,
      defaultMetrics: false,
    });
    const filterUrl = await filter.listen(0, '127.0.0.1');
    haraka = await startHaraka({
      kind: 'inbound',
      filterUrl,
      sinkPort: sink.port,
      hostList: ['example.net'],
      logLevel: 'warn',
      spamfilter: {
        main: { fail_open: 'true', token: TOKEN, max_recipients: '4', scan_deadline_ms: '8000' },
      },
    });
  }, 60000);

  afterAll(async () => {
    if (haraka) await haraka.stop();
    if (filter) await filter.close();
    await sink.close();
  });

  it('delivers no copy without a real verdict and names no envelope recipient in any copy', async () => {
    process.stdout.write(`smtp fuzz seed ${SEED} (FUZZ_SEED=${SEED} reproduces it)\n`);
    const random = seededRandom(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
    const chance = (p: number): boolean => random() < p;
    // Every case is drawn up front, so the run is the same whatever order the sessions finish in.
    const cases = Array.from({ length: SESSIONS }, (_, i) => {
      const rcpts = Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(RECIPIENTS));
      const id = `fuzz-${SEED}-${i}`;
      return {
        id,
        helo: pick(HELOS),
        from: pick(SENDERS),
        rcpts,
        message: messageFor(pick, chance, id, rcpts),
      };
    });
    const logs = new Map<string, SessionLog>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const c = cases[next++];
        const log: SessionLog = { id: c.id, accepted: [], data: null, reference: null };
        logs.set(c.id, log);
        const { session } = await SmtpSession.open(haraka.port);
        try {
          await session.command(`EHLO ${c.helo}`);
          if ((await session.command(`MAIL FROM:${c.from}`)).code !== 250) continue;
          for (const r of c.rcpts)
            if ((await session.command(`RCPT TO:<${r}>`)).code === 250) log.accepted.push(r);
          if (log.accepted.length === 0) continue;
          const data = await session.data(c.message);
          log.data = data.code;
          log.reference = /\(ref ([0-9A-Z]{26})\)/.exec(data.text)?.[1] ?? null;
        } finally {
          await session.quit();
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const accepted = [...logs.values()].filter((l) => l.data === 250);
    const quarantine = filter!.services.quarantine as MemoryQuarantineStore;
    const byId = (raw: Buffer): string =>
      /<(fuzz-[^@>]+)@fuzz\.test>/.exec(headerValues(raw, 'Message-ID')[0] ?? '')?.[1] ?? '';
    const quarantinedFor = (id: string): string[] =>
      quarantine.copies.filter((q) => byId(q.raw) === id).map((q) => q.recipient.toLowerCase());
    // Every session that got 250 has all its accepted recipients delivered or quarantined: wait for the copies.
    const expected = (l: SessionLog): number =>
      new Set(l.accepted.map((a) => a.toLowerCase())).size - new Set(quarantinedFor(l.id)).size;
    const total = accepted.reduce((n, l) => n + expected(l), 0);
    await waitFor(
      () => sink.messages.reduce((n, m) => n + m.rcptTo.length, 0) >= total,
      30000,
      `${total} delivered recipients`,
    );

    let unscanned = 0;
    let naming = 0;
    const problems: string[] = [];
    const deliveredTo = new Map<string, string[]>();
    for (const m of sink.messages) {
      const id = byId(m.raw);
      const log = logs.get(id);
      const ref = headerValues(m.raw, 'X-Spam-Reference');
      const status = headerValues(m.raw, 'X-Spam-Status');
      if (
        ref.length !== 1 ||
        !/^[0-9A-Z]{26}$/.test(ref[0]) ||
        status.length !== 1 ||
        status[0] === 'unscanned'
      )
        unscanned++;
      const ours = m.raw
        .toString('latin1')
        .split('\r\n\r\n')[0]
        .split('\r\n')
        .filter((l) => /^X-Spam-/i.test(l))
        .join('\n')
        .toLowerCase();
      const envelope = new Set((log?.accepted ?? []).map((a) => a.toLowerCase()));
      if ([...envelope].some((a) => ours.includes(a))) naming++;
      if (!log) problems.push(`a copy for no session: ${id}`);
      else if (log.data !== 250) problems.push(`${id}: delivered although DATA got ${log.data}`);
      else if (!m.rcptTo.every((r) => envelope.has(r.toLowerCase())))
        problems.push(`${id}: copy to ${m.rcptTo.join(',')} not accepted at RCPT`);
      deliveredTo.set(id, [...(deliveredTo.get(id) ?? []), ...m.rcptTo.map((r) => r.toLowerCase())]);
    }
    for (const l of accepted) {
      const got = [...(deliveredTo.get(l.id) ?? []), ...quarantinedFor(l.id)].sort();
      const want = [...new Set(l.accepted.map((a) => a.toLowerCase()))].sort();
      if (JSON.stringify(got) !== JSON.stringify(want))
        problems.push(`${l.id}: delivered+quarantined ${got.join(',')} ≠ accepted ${want.join(',')}`);
    }
    const refusedAtData = [...logs.values()].filter((l) => l.data !== null && l.data !== 250).length;
    process.stdout.write(
      `smtp fuzz: ${SESSIONS} sessions, ${accepted.length} accepted after DATA, ${refusedAtData} refused after DATA, ` +
        `${sink.messages.length} copies delivered, ${quarantine.copies.length} quarantined; unscanned ${unscanned}, naming a recipient ${naming}\n`,
    );
    expect({ unscanned, naming, problems: problems.slice(0, 10) }).toEqual({
      unscanned: 0,
      naming: 0,
      problems: [],
    });
    // The run exercised what it claims to: accepted, refused, split and quarantined messages all occurred.
    expect(accepted.length).toBeGreaterThan(SESSIONS / 4);
    expect(refusedAtData).toBeGreaterThan(0);
    expect(quarantine.copies.length).toBeGreaterThan(0);
    expect(sink.messages.length).toBeGreaterThan(accepted.length);
  }, 600000);
});
