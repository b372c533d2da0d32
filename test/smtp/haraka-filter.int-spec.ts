/**
 * The whole SMTP path with the REAL filter: Haraka (child process, loopback port) + haraka-plugin-spamfilter →
 * apps/filter started in this process by createFilterApp on embedded defaults → the next-hop sink. Lists and policy
 * layers are the filter's in-memory sources (its embedded defaults), filled per test; the clock is shifted to pass
 * the greylisting delay without waiting five minutes.
 */
import { loadConfig } from '@spamfilter/config';
import { REFERENCE_ID_PATTERN } from '@spamfilter/domain';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { Clock } from '../../apps/filter/src/services/clock';
import { InMemoryListSource } from '../../apps/filter/src/checks/lists/list-source';
import { InMemoryPolicySource } from '../../apps/filter/src/services/policy.service';
import type { MemoryQuarantineStore } from '../../apps/filter/src/services/quarantine.store';
import { startSink, type Sink } from '../../haraka/sink';
import {
  bodyOf,
  headerValues,
  plainMessage,
  sendOnce,
  SmtpSession,
  startHaraka,
  type HarakaHandle,
  waitFor,
} from './harness';

class ShiftedClock extends Clock {
  offsetMs = 0;
  override now(): number {
    return Date.now() + this.offsetMs;
  }
}

const message = (subject: string, extraHeaders: readonly string[] = [], body?: string): Buffer =>
  plainMessage(subject, { extraHeaders, ...(body === undefined ? {} : { body }) });

const REPLY_TO = ['Reply-To: someone@elsewhere.example'];

describe('Haraka + plugin + the real filter (createFilterApp, embedded defaults) over real SMTP', () => {
  let sink: Sink;
  let filter: FilterApp | undefined;
  let filterUrl: string;
  let haraka: HarakaHandle;
  const clock = new ShiftedClock();
  const lists = new InMemoryListSource();
  const policies = new InMemoryPolicySource();

  beforeAll(async () => {
    sink = await startSink({ store: 'memory' });
    // Domain layers give each test recipient a known policy: greylist everything, or reject on any content hit (a
    // Reply-To differing from From scores 1 on the embedded defaults; list-only scoring at RCPT stays at 0).
    policies.setDomain('grey.example', { thresholds: { greylist: -100, tag: 100, reject: 200 } });
    policies.setDomain('strict.example', {
      thresholds: { greylist: 0.1, tag: 0.3, reject: 0.5 },
      greylisting: { enabled: false },
    });
    lists.add({
      scope: 'user',
      owner: 'carol@example.net',
      kind: 'block',
      match: 'address',
      value: 'alice@sender.example',
    });
    filter = await createFilterApp(loadConfig({}), {
      lists,
      policies,
      clock,
      scanLog: null,
      defaultMetrics: false,
    });
    filterUrl = await filter.listen(0, '127.0.0.1');
    haraka = await startHaraka({
      kind: 'inbound',
      filterUrl,
      sinkPort: sink.port,
      hostList: ['example.net', 'grey.example', 'strict.example'],
      spamfilter: { main: { fail_open: 'false', scan_deadline_ms: '3000', check_deadline_ms: '1000' } },
    });
  }, 60000);

  afterAll(async () => {
    const logs = haraka ? haraka.logs() : '';
    if (haraka) await haraka.stop();
    if (filter) await filter.close();
    await sink.close();
    expect(logs).not.toMatch(/ran callback multiple times|next\(\) called more than once/);
  });

  beforeEach(() => {
    sink.messages.length = 0;
  });

  /** Submission (haraka/outbound) in front of the same filter and sink, with one user, alice@example.net. */
  const startSubmission = (): Promise<HarakaHandle> =>
    startHaraka({
      kind: 'outbound',
      filterUrl,
      sinkPort: sink.port,
      users: { 'alice@example.net': 'correct horse' },
      spamfilter: { main: { fail_open: 'false' } },
    });

  it('ham is delivered with the filter’s headers and a reference, the body byte for byte', async () => {
    const msg = message('minutes of tuesday');
    const r = await sendOnce(haraka.port, { from: 'alice@sender.example', to: ['bob@example.net'] }, msg);
    expect(r.rcpt[0].code).toBe(250);
    expect(r.data?.code).toBe(250);
    await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
    const got = sink.messages[0].raw;
    expect(bodyOf(got).equals(bodyOf(msg))).toBe(true);
    const [reference] = headerValues(got, 'X-Spam-Reference');
    expect(reference).toMatch(REFERENCE_ID_PATTERN);
    expect(headerValues(got, 'X-Spam-Status')[0]).toMatch(/^No, score=/);
  });

  it('a user’s block list refuses that recipient at RCPT only; the others get the message', async () => {
    const r = await sendOnce(
      haraka.port,
      { from: 'alice@sender.example', to: ['bob@example.net', 'carol@example.net'] },
      message('hello both'),
    );
    expect(r.rcpt[0].code).toBe(250);
    expect(r.rcpt[1].code).toBe(550);
    expect(r.rcpt[1].text).toMatch(/^5\.7\.1 /);
    expect(r.data?.code).toBe(250);
    await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
    expect(sink.messages[0].rcptTo).toEqual(['bob@example.net']);
  });

  it('reject for every recipient: 550 5.7.1 with the reference ID', async () => {
    const r = await sendOnce(
      haraka.port,
      { from: 'alice@sender.example', to: ['dan@strict.example'] },
      message('for strict', REPLY_TO),
    );
    expect(r.data?.code).toBe(550);
    expect(r.data?.text).toMatch(/^5\.7\.1 /);
    expect(r.data?.text).toMatch(/[0-9A-HJKMNP-TV-Z]{26}/);
    // Nothing delivered, proved by an event rather than a pause: a ham message after it reaches the sink, and
    // smtp_forward delivers before it answers, one transaction after the other, so a copy of the rejected one would
    // have come first.
    const marker = await sendOnce(
      haraka.port,
      { from: 'alice@sender.example', to: ['bob@example.net'] },
      message('marker'),
    );
    expect(marker.data?.code).toBe(250);
    await waitFor(() => sink.messages.length > 0, 30_000, 'the marker');
    expect(sink.messages.map((m) => headerValues(m.raw, 'Subject'))).toEqual([['marker']]);
  });

  it('several recipients, accept + reject: delivered to the one, the rejecting one’s copy quarantined; nobody learns of the other', async () => {
    const store = filter!.services.quarantine as MemoryQuarantineStore;
    const before = store.copies.length;
    const r = await sendOnce(
      haraka.port,
      { from: 'alice@sender.example', to: ['bob@example.net', 'dan@strict.example'] },
      message('for both', REPLY_TO),
    );
    expect(r.rcpt.map((x) => x.code)).toEqual([250, 250]);
    expect(r.data?.code).toBe(250);
    await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
    const got = sink.messages[0];
    expect(got.rcptTo).toEqual(['bob@example.net']);
    expect(headerValues(got.raw, 'X-Spam-Status')[0]).toMatch(/^No, .*action=accept$/);
    expect(headerValues(got.raw, 'X-Spam-Status-For')).toEqual([]);
    expect(got.raw.toString('latin1').split('\r\n\r\n')[0]).not.toContain('dan@strict.example');
    const [reference] = headerValues(got.raw, 'X-Spam-Reference');
    const kept = store.copies.slice(before);
    expect(kept.map((c) => [c.recipient, c.reference])).toEqual([['dan@strict.example', reference]]);
    expect(headerValues(kept[0].raw, 'X-Spam-Status')[0]).toMatch(/^Yes, .*action=reject$/);
    expect(bodyOf(kept[0].raw).equals(bodyOf(message('for both', REPLY_TO)))).toBe(true);
  });

  it('greylisting: 451 4.7.1 at first, the same triplet after the minimum delay is delivered', async () => {
    const msg = message('greylist me');
    const first = await sendOnce(haraka.port, { from: 'new@sender.example', to: ['gina@grey.example'] }, msg);
    expect(first.data?.code).toBe(451);
    expect(first.data?.text).toMatch(/^4\.7\.1 /);
    const early = await sendOnce(haraka.port, { from: 'new@sender.example', to: ['gina@grey.example'] }, msg);
    expect(early.data?.code).toBe(451);
    clock.offsetMs += 301_000; // RFC 5321 §4.5.4.1: the client retries later; the default minimum delay is 300 s
    const retry = await sendOnce(haraka.port, { from: 'new@sender.example', to: ['gina@grey.example'] }, msg);
    expect(retry.data?.code).toBe(250);
    await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
    expect(bodyOf(sink.messages[0].raw).equals(bodyOf(msg))).toBe(true);
  });

  it('outbound submission: MAIL without AUTH is refused; authenticated mail is scanned as outbound and delivered', async () => {
    const outbound = await startSubmission();
    try {
      const msg = message('outbound hello');
      const anonymous = await sendOnce(
        outbound.port,
        { from: 'alice@example.net', to: ['friend@remote.example'] },
        msg,
      );
      expect(anonymous.mail.code).toBe(530);
      const r = await sendOnce(
        outbound.port,
        {
          from: 'alice@example.net',
          to: ['friend@remote.example'],
          auth: { user: 'alice@example.net', pass: 'correct horse' },
        },
        msg,
      );
      expect(r.auth?.code).toBe(235);
      expect(r.rcpt[0].code).toBe(250);
      expect(r.data?.code).toBe(250);
      await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
      expect(sink.messages[0].rcptTo).toEqual(['friend@remote.example']);
      expect(headerValues(sink.messages[0].raw, 'X-Spam-Reference')[0]).toMatch(REFERENCE_ID_PATTERN);
      expect(bodyOf(sink.messages[0].raw).equals(bodyOf(msg))).toBe(true);
    } finally {
      await outbound.stop();
    }
  });

  it('STARTTLS: both listeners offer it; submission authenticates and sends over TLS, delivered byte for byte', async () => {
    const { session: mx } = await SmtpSession.open(haraka.port);
    try {
      expect((await mx.command('EHLO client.test')).text.split('\n')).toContain('STARTTLS');
    } finally {
      await mx.quit();
    }
    const outbound = await startSubmission();
    const { session } = await SmtpSession.open(outbound.port);
    try {
      expect((await session.command('EHLO client.test')).text.split('\n')).toContain('STARTTLS');
      const upgraded = await session.startTls();
      expect(upgraded.reply.code).toBe(220);
      expect(upgraded.protocol).toMatch(/^TLSv1\.[23]$/);
      const ehlo = (await session.command('EHLO client.test')).text.split('\n');
      expect(ehlo).not.toContain('STARTTLS');
      expect(ehlo.some((l) => l.startsWith('AUTH '))).toBe(true);
      const token = Buffer.from('\0alice@example.net\0correct horse').toString('base64');
      expect((await session.command(`AUTH PLAIN ${token}`)).code).toBe(235);
      expect((await session.command('MAIL FROM:<alice@example.net>')).code).toBe(250);
      expect((await session.command('RCPT TO:<friend@remote.example>')).code).toBe(250);
      const msg = message('over tls');
      expect((await session.data(msg)).code).toBe(250);
      await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
      expect(bodyOf(sink.messages[0].raw).equals(bodyOf(msg))).toBe(true);
    } finally {
      await session.quit();
      await outbound.stop();
    }
  });

  it('the filter is stopped mid-run (fail_open=false): every message is delivered or refused with a 4xx, none lost', async () => {
    const total = 30;
    const codes: number[] = [];
    let stopped = false;
    const worker = async (w: number) => {
      for (let i = w; i < total; i += 3) {
        if (i >= total / 2 && !stopped) {
          stopped = true;
          const f = filter!;
          filter = undefined;
          await f.close();
        }
        const r = await sendOnce(
          haraka.port,
          { from: `s${i}@sender.example`, to: ['bob@example.net'] },
          message(`run ${i}`),
        );
        codes.push(r.data?.code ?? r.rcpt[0]?.code ?? r.mail.code);
      }
    };
    await Promise.all([0, 1, 2].map(worker));
    const delivered = codes.filter((c) => c === 250).length;
    const tempfailed = codes.filter((c) => c >= 400 && c < 500).length;
    expect(codes).toHaveLength(total);
    expect(codes.filter((c) => c >= 500)).toEqual([]);
    expect(delivered).toBeGreaterThan(0);
    expect(tempfailed).toBeGreaterThan(0);
    expect(delivered + tempfailed).toBe(total);
    await waitFor(() => sink.messages.length === delivered, 5000, 'deliveries');
    expect(sink.messages).toHaveLength(delivered);
  });
});
