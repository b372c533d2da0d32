/**
 * Viruses and archives over real SMTP: Haraka (child process) + haraka-plugin-spamfilter → the real filter
 * (createFilterApp, embedded defaults, CLAMAV_ADDRESS on a real clamd from test/antivirus/clamd-process.ts) → the
 * next-hop sink. What a sender is told and what a mailbox receives: EICAR refused with 550 and the virus name, a zip
 * holding an executable delivered tagged, and 451 4.3.0 while clamd is down.
 */
import { loadConfig } from '@spamfilter/config';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { InMemoryPolicySource } from '../../apps/filter/src/services/policy.service';
import { startSink, type Sink } from '../../haraka/sink';
import { startClamd, type ClamdHandle } from '../antivirus/clamd-process';
import { eicar, mimeMessage } from '../antivirus/messages';
import { buildZip } from '../antivirus/zip-builder';
import { headerValues, sendOnce, startHaraka, waitFor, type HarakaHandle } from './harness';

describe('Haraka + plugin + the real filter with ClamAV over real SMTP', () => {
  let sink: Sink;
  let clamd: ClamdHandle;
  let filter: FilterApp | undefined;
  let haraka: HarakaHandle | undefined;
  const envelope = { from: 'alice@sender.example', to: ['bob@example.net'] };

  beforeAll(async () => {
    sink = await startSink({ store: 'memory' });
    clamd = await startClamd();
    const policies = new InMemoryPolicySource();
    // Tag-level mail would be greylisted first (its score is in the greylisting band): not what these tests are about.
    policies.setDomain('example.net', { greylisting: { enabled: false } });
    filter = await createFilterApp(
      loadConfig({
        CLAMAV_ADDRESS: clamd.socketPath,
        CLAMAV_TIMEOUT_MS: '5000',
        SCAN_CHECK_TIMEOUT_MS: '8000',
        SCAN_DEADLINE_MS: '10000',
      }),
      {
        policies,
        scanLog: null,
        defaultMetrics: false,
      },
    );
    const filterUrl = await filter.listen(0, '127.0.0.1');
    haraka = await startHaraka({
      kind: 'inbound',
      filterUrl,
      sinkPort: sink.port,
      hostList: ['example.net'],
      spamfilter: { main: { fail_open: 'false', scan_deadline_ms: '15000' } },
    });
  }, 90_000);

  afterAll(async () => {
    const logs = haraka ? haraka.logs() : '';
    await haraka?.stop();
    await filter?.close();
    await clamd?.close();
    await sink.close();
    expect(logs).not.toMatch(/ran callback multiple times|next\(\) called more than once/);
  });

  beforeEach(() => {
    sink.messages.length = 0;
  });

  it('EICAR attached: 550 5.7.1 with the virus name and the reference; never delivered', async () => {
    const r = await sendOnce(
      haraka!.port,
      envelope,
      mimeMessage({
        subject: 'invoice',
        attachments: [{ filename: 'invoice.txt', bytes: eicar(), contentType: 'text/plain' }],
      }),
    );
    expect(r.data?.code).toBe(550);
    expect(r.data?.text).toMatch(
      /^5\.7\.1 Message refused: virus found \(score 200\.00\) by CLAMAV_VIRUS\(Eicar-Test-(File|Signature)\.UNOFFICIAL\)/,
    );
    expect(r.data?.text).toMatch(/\(ref [0-9A-HJKMNP-TV-Z]{26}\)/);
    // The next message arrives alone: the refused one was not delivered before it.
    const ok = await sendOnce(haraka!.port, envelope, mimeMessage({ subject: 'the real invoice' }));
    expect(ok.data?.code).toBe(250);
    await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
    expect(headerValues(sink.messages[0]!.raw, 'Subject')).toEqual(['the real invoice']);
  });

  it('a zip holding an executable is delivered tagged, with ARCHIVE_EXECUTABLE in its symbols', async () => {
    const zip = buildZip([
      { name: 'statement.pdf', data: '%PDF-1.7' },
      { name: 'viewer/open-statement.exe', data: 'MZ' },
    ]);
    const r = await sendOnce(
      haraka!.port,
      envelope,
      mimeMessage({
        subject: 'your statement',
        attachments: [{ filename: 'statement.zip', bytes: zip, contentType: 'application/zip' }],
      }),
    );
    expect(r.data?.code).toBe(250);
    await waitFor(() => sink.messages.length === 1, 5000, 'delivery');
    const got = sink.messages[0]!.raw;
    expect(headerValues(got, 'X-Spam-Flag')).toEqual(['YES']);
    expect(headerValues(got, 'X-Spam-Symbols')[0]).toMatch(/ARCHIVE_EXECUTABLE\(7\.00\)/);
  });

  it('clamd down: 451 4.3.0 (CLAMAV_ON_FAILURE=defer), and the retry after it is back is refused for the virus', async () => {
    const msg = mimeMessage({ subject: 'retry me', text: `Hello,\r\n${eicar()}\r\n` });
    await clamd.stop();
    try {
      const r = await sendOnce(haraka!.port, envelope, msg);
      expect(r.data?.code).toBe(451);
      expect(r.data?.text).toMatch(
        /^4\.3\.0 Message could not be scanned, please try again later \(ref [0-9A-HJKMNP-TV-Z]{26}\)/,
      );
    } finally {
      await clamd.start();
    }
    const retry = await sendOnce(haraka!.port, envelope, msg);
    expect(retry.data?.code).toBe(550);
  });
});
